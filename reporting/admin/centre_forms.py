"""The admin's centre form: every field of a centre, with GOV.UK messages and length limits."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import current_app
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.form import BaseForm
from wtforms.validators import Length, ValidationError

from .. import centres
from ..baseform import Form, choice_field, normalise_newlines, required
from ..clock import utcnow
from .forms import check_email

LONG = 2_000
# District codes a reporter may answer that are not a place a centre serves.
NOT_A_PLACE = {"not-sure", "outside"}
_PHONE = re.compile(r"\+?[0-9][0-9 ]{5,30}")
# Only plain web addresses: never javascript:, data: or a relative link into this site.
_WEBSITE = re.compile(r"https?://[a-z0-9.-]+\.[a-z]{2,}(?:[/?#]\S*)?", re.IGNORECASE)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _text(label: str, max_length: int, hint: str = "", *, area: bool = False) -> Field:
    name = label.removesuffix(" (optional)")
    validators = [
        Length(max=max_length, message=f"{name} must be {max_length:,} characters or fewer")
    ]
    if area:
        return TextAreaField(
            label,
            widget=GovTextArea(),
            description=hint,
            filters=[normalise_newlines, _strip],
            validators=validators,
        )
    return StringField(
        label, widget=GovTextInput(), description=hint, filters=[_strip], validators=validators
    )


class DayField(Field):
    """An exact day as three inputs (GOV.UK date input); empty is None; junk says what is wrong."""

    widget = GovDateInput()

    @property
    def first_input_id(self) -> str:
        return f"{self.id}-day"

    def process_data(self, value: object) -> None:
        self.data = value if isinstance(value, dt.date) else None
        self.raw_data = (
            [str(self.data.day), str(self.data.month), str(self.data.year)] if self.data else None
        )

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [(v or "").strip()[:10] for v in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        name = str(self.label.text).removesuffix(" (optional)")
        if not all(parts):
            missing = " and ".join(
                n for n, v in zip(("a day", "a month", "a year"), parts, strict=True) if not v
            )
            raise ValueError(f"{name} must include {missing}")
        day, month, year = parts
        if not (day.isdecimal() and month.isdecimal() and year.isdecimal()):
            raise ValueError(f"{name} must be a real date, written in numbers")
        if len(year) != 4:
            raise ValueError("Year must include 4 numbers")
        try:
            found = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{name} must be a real date") from None
        if found.year < 1990:
            raise ValueError("Year must be 1990 or later")
        if found > utcnow().date():
            raise ValueError(f"{name} must be today or in the past")
        self.data = found

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""


def _check_phone(_form: BaseForm, field: Field) -> None:
    if field.data and not _PHONE.fullmatch(field.data):
        raise ValidationError("Enter a phone number, like 01604 123456 or +44 1604 123456")


def _check_website(_form: BaseForm, field: Field) -> None:
    if field.data and not _WEBSITE.fullmatch(field.data):
        raise ValidationError("Enter a website address starting https://, like https://example.org")


class CentreForm(Form):
    name = StringField(
        "Name of the organisation",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            required("Enter the name of the organisation"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    kind = choice_field(
        RadioField,
        "Kind of organisation",
        invalid_choice="Select the kind of organisation",
        choices=centres.KINDS,
        widget=GovRadioInput(),
        validate_choice=True,
    )
    districts = choice_field(
        SelectMultipleField,
        "Districts it serves",
        invalid_choice="Select districts from the list",
        choices=[],
        widget=GovCheckboxesInput(),
        description="Select all that apply.",
        validators=[],
    )
    address = _text("Address (optional)", LONG, area=True)
    opening_times = _text(
        "Opening times (optional)", LONG, "For example, Monday to Friday, 9am to 5pm", area=True
    )
    phone = _text("Phone number (optional)", 40)
    email = StringField(
        "Email address (optional)",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            Length(max=254, message="Email address must be 254 characters or fewer"),
            check_email,
        ],
    )
    website = _text("Website (optional)", 300)
    languages = _text("Languages spoken (optional)", 300, "For example, English, Polish, Urdu")
    accessibility = _text(
        "Accessibility (optional)", LONG, "For example, step-free entrance, hearing loop", area=True
    )
    help_offered = _text(
        "Help offered (optional)", LONG, "What someone who comes in can expect", area=True
    )
    listed = choice_field(
        RadioField,
        "Show it on Find a reporting centre?",
        invalid_choice="Select yes if the public should see this centre",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=GovRadioInput(),
        validate_choice=True,
    )
    listing_checked_on = DayField(
        "Day the listing was last checked",
        description=(
            "Needed to show it to the public; once too old, it is hidden again. "
            "For example, 27 3 2026"
        ),
    )
    accredited_on = DayField(
        "Day of its training or accreditation (optional)", description="For example, 27 3 2026"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.districts.choices = [
            (str(code), str(name))
            for code, name in current_app.config["DISTRICTS"]
            if code not in NOT_A_PLACE
        ]

    def validate_districts(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Select at least one district the centre serves")

    def validate_phone(self, field: Field) -> None:
        _check_phone(self, field)

    def validate_website(self, field: Field) -> None:
        _check_website(self, field)

    def validate_listing_checked_on(self, field: Field) -> None:
        if self.listed.data == "yes" and field.data is None and not field.errors:
            raise ValidationError(
                "Enter the day the listing was last checked: a listed centre needs one"
            )

    def fill(self, details: centres.CentreDetails) -> None:
        """Show a centre's current details (GET of the edit page)."""
        for name in (
            "name",
            "kind",
            "address",
            "opening_times",
            "phone",
            "email",
            "website",
            "languages",
            "accessibility",
            "help_offered",
        ):
            self[name].data = getattr(details, name)
        self.districts.data = list(details.districts)
        self.listed.data = "yes" if details.listed else "no"
        self.listing_checked_on.process_data(details.listing_checked_on)
        self.accredited_on.process_data(details.accredited_on)

    def details(self) -> centres.CentreDetails:
        return centres.CentreDetails(
            name=self.name.data or "",
            kind=self.kind.data,
            districts=tuple(sorted(set(self.districts.data or ()))),
            address=self.address.data or "",
            opening_times=self.opening_times.data or "",
            phone=self.phone.data or "",
            email=self.email.data or "",
            website=self.website.data or "",
            languages=self.languages.data or "",
            accessibility=self.accessibility.data or "",
            help_offered=self.help_offered.data or "",
            listed=self.listed.data == "yes",
            listing_checked_on=self.listing_checked_on.data,
            accredited_on=self.accredited_on.data,
        )
