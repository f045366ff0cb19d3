"""The report page's forms: status, assigned officer, note, message to the reporter.

The status form asks for the new status, the reason for closing and, when the reason is
"duplicate", the reference of the report it duplicates (revealed under that choice when
JavaScript runs: static/js/conditional-reveal.js; a plain field after the reasons without it).
"""

from __future__ import annotations

from collections.abc import Iterable

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from ..baseform import Form, choice_field, normalise_newlines, required
from ..casework import CLOSE_REASONS, STATUSES
from ..casework.actions import NOTE_MAX
from ..casework.duplicates import DUPLICATE
from ..messages import MESSAGE_MAX

REFERENCE_MAX = 40


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class StatusForm(Form):
    # The status the officer saw: a change made meanwhile by someone else is not overridden.
    expected = HiddenField(validators=[Length(max=20)])
    new_status = choice_field(
        RadioField,
        "Change the status to",
        invalid_choice="Select the new status",
        choices=STATUSES,
        widget=GovRadioInput(),
    )
    close_reason = choice_field(
        RadioField,
        "Reason for closing",
        invalid_choice="Select a reason for closing from the list",
        choices=CLOSE_REASONS,
        description="Only when you close the report.",
        validators=[Optional()],
        widget=GovRadioInput(),
    )
    duplicate_of = StringField(
        "Reference of the report it duplicates",
        widget=GovTextInput(),
        description="Only when the reason is \u201cDuplicate of another report\u201d. "
        "For example, HC-7K3P-Q9RT",
        filters=[_strip],
    )

    def validate_close_reason(self, field: RadioField) -> None:
        if self.new_status.data == "closed" and not field.data:
            raise ValidationError("Select why you are closing the report")

    @property
    def closing_as_duplicate(self) -> bool:
        return bool(self.new_status.data == "closed" and self.close_reason.data == DUPLICATE)

    def validate_duplicate_of(self, field: StringField) -> None:
        # Only under "duplicate": typed there and then another reason chosen, it is ignored.
        if not self.closing_as_duplicate:
            return
        if not field.data:
            raise ValidationError("Enter the reference of the report this one duplicates")
        if len(field.data) > REFERENCE_MAX:
            raise ValidationError(f"The reference must be {REFERENCE_MAX} characters or fewer")

    @property
    def other_reference(self) -> str | None:
        """The reference typed, only when closing as a duplicate (otherwise it is ignored)."""
        return (self.duplicate_of.data or None) if self.closing_as_duplicate else None


class AssignForm(Form):
    assign_to = choice_field(
        SelectField,
        "Assigned officer",
        invalid_choice="Select an officer from the list",
        choices=[("none", "Nobody (unassigned)")],
        widget=GovSelect(),
    )

    def set_officers(self, officers: Iterable[tuple[int, str]]) -> None:
        self.assign_to.choices = [("none", "Nobody (unassigned)")] + [
            (str(user_id), name) for user_id, name in officers
        ]

    @property
    def user_id(self) -> int | None:
        value = self.assign_to.data or "none"
        return int(value) if value.isdigit() else None


class NoteForm(Form):
    note = TextAreaField(
        "Add a note",
        widget=GovCharacterCount(),
        description="Only officers can read notes. They are encrypted like the report.",
        filters=[normalise_newlines],
        validators=[
            required("Enter the note"),
            Length(
                max=NOTE_MAX,
                message=f"The note must be {NOTE_MAX:,} characters or fewer",
            ),
        ],
    )


class MessageForm(Form):
    message = TextAreaField(
        "Send a message to the reporter",
        widget=GovCharacterCount(),
        description=(
            "The reporter sees it only when they check for replies with their receipt. Do not "
            "include anything that would harm them if someone else using their device saw it."
        ),
        filters=[normalise_newlines],
        validators=[
            required("Enter a message to the reporter"),
            Length(
                max=MESSAGE_MAX,
                message=f"The message must be {MESSAGE_MAX:,} characters or fewer",
            ),
        ],
    )
