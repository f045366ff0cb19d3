"""Forms of the admin area and of the invitation page; every field has a length limit."""

from __future__ import annotations

import re
from typing import Any, cast

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextInput
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..auth.forms import NewPasswordForm
from ..baseform import Form, choice_field

MAX_EMAIL = 254
MAX_NAME = 120
# Deliberately loose: one @, something either side, a dot in the domain. The person it
# reaches is checked by the invitation itself, not by a pattern.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

ROLE_CHOICES = [
    ("officer", "Reviewing officer"),
    ("admin", "Administrator"),
    ("analyst", "Analyst"),
    ("centre", "Reporting centre"),
]
ROLE_NAMES = dict(ROLE_CHOICES)
ROLE_HINTS = {
    "officer": "Reads and triages reports, once granted the team key.",
    "admin": "Manages accounts and access, reads the audit log. Can hold the team key.",
    "analyst": "Sees statistics only. Can never open a report.",
    "centre": "Staff of a third-party reporting centre. Can never open a report.",
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def check_email(_form: Form, field: StringField) -> None:
    if field.data and not _EMAIL.fullmatch(field.data):
        raise ValidationError("Enter an email address in the correct format, like name@example.org")


def role_field(label: str) -> RadioField:
    return choice_field(
        RadioField,
        label,
        invalid_choice="Select a role",
        choices=ROLE_CHOICES,
        widget=GovRadioInput(),
        validate_choice=True,
    )


class InviteForm(Form):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            DataRequired("Enter the person's full name"),
            Length(max=MAX_NAME, message=f"Name must be {MAX_NAME} characters or fewer"),
        ],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        description="Their work address. It is what they will sign in with.",
        filters=[_strip],
        validators=[
            DataRequired("Enter the person's email address"),
            Length(max=MAX_EMAIL, message=f"Email address must be {MAX_EMAIL} characters or fewer"),
            check_email,
        ],
    )
    role = role_field("Role")
    # Reporting centre staff only: which centre, and whether they lead it. The choices are the
    # centres there are, set by the view.
    centre = SelectField(
        "Their reporting centre",
        widget=GovSelect(),
        choices=[],
        validate_choice=False,
        validators=[Length(max=12)],
    )
    centre_lead = RadioField(
        "Do they lead the centre?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes, they are its lead"), ("no", "No")],
        validate_choice=False,
    )

    def validate_centre(self, field: SelectField) -> None:
        known = {str(choice[0]) for choice in cast(list[tuple[str, str]], field.choices)}
        known.discard("")
        if self.role.data == "centre" and field.data not in known:
            raise ValidationError("Select the reporting centre they work for")
        if self.role.data != "centre" and field.data:
            raise ValidationError(
                "Only reporting centre staff belong to a centre: choose no centre, or the role "
                "Reporting centre"
            )

    def validate_centre_lead(self, field: RadioField) -> None:
        if self.role.data == "centre" and field.data not in ("yes", "no"):
            raise ValidationError("Select yes if they lead the centre")
        if self.role.data != "centre" and field.data == "yes":
            raise ValidationError("Only reporting centre staff can lead a centre")

    def centre_id(self) -> int | None:
        return int(self.centre.data) if self.role.data == "centre" and self.centre.data else None


class RoleForm(Form):
    role = role_field("New role")


class AuditFilterForm(Form):
    """The audit log's filters: a GET form, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    action = SelectField(
        "Action",
        widget=GovSelect(),
        choices=[("", "All actions")],
        validate_choice=True,
        validators=[Optional(), Length(max=40)],
    )
    actor = StringField(
        "Done by (email address)",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Optional(), Length(max=MAX_EMAIL, message="Email address is too long")],
    )


class AcceptInvitationForm(NewPasswordForm):
    """Password, its confirmation and a code from the newly set-up authenticator, on one page."""

    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="After adding the account, enter the 6-digit code the app shows now.",
        validators=[
            DataRequired("Enter the code from your authenticator app"),
            Length(max=12, message="Enter the 6-digit code from your authenticator app"),
        ],
    )
