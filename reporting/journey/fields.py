"""Field builders for the journey's forms: every text has a length limit, every choice a list.

The page forms themselves are in ``forms.py`` and ``variants.py``; this module holds what they
are made of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    Field,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..baseform import Form, choice_field

SHORT = 200
MEDIUM = 2_000
ACCOUNT_MAX = 10_000

Choices = list[tuple[str, str]]
_Field = TypeVar("_Field", bound=Field)
_ChoiceField = TypeVar("_ChoiceField", bound=SelectField)
# A validator of fields of the kind ``_Field``: DataRequired, Length, ExclusiveChoice, ...
Validator = Callable[[BaseForm, _Field], object]


def strip_text(value: object) -> object:
    """A filter: text without the spaces around it (anything else as it is)."""
    return value.strip() if isinstance(value, str) else value


def choice_pairs(form_field: Field) -> list[tuple[str, str]]:
    """A choice field's (value, label) pairs, in order; none for any other field."""
    if not isinstance(form_field, SelectField) or not isinstance(form_field.choices, Sequence):
        return []
    return [(choice[0], choice[1]) for choice in form_field.choices]


def _choice_field(
    field_class: type[_ChoiceField],
    label: str,
    choices: Choices,
    *,
    widget: GovRadioInput | GovCheckboxesInput,
    description: str,
    invalid_choice_message: str,
    validators: list[Validator[Field]],
) -> _ChoiceField:
    return choice_field(
        field_class,
        label,
        invalid_choice=invalid_choice_message,
        choices=choices,
        widget=widget,
        description=description,
        validators=validators,
    )


class JourneyForm(Form):
    """Base of every question form: a honeypot field that people never see."""

    # Bots fill every field; people never meet this one (off-screen, aria-hidden, tabindex -1).
    website = StringField("Leave this field empty", validators=[Length(max=0)])

    def answer_fields(self) -> list[Field]:
        return [f for f in self if f.name not in ("csrf_token", "website")]

    def answers(self) -> dict[str, Any]:
        """The validated answers, ready to store."""
        return {f.name: f.data for f in self.answer_fields()}

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.website.data)


def radios(label: str, choices: Choices, required: str | None = None, hint: str = "") -> RadioField:
    """A radio group; ``required`` is the message shown when nothing is chosen."""
    return _choice_field(
        RadioField,
        label,
        choices,
        widget=GovRadioInput(),
        description=hint,
        invalid_choice_message=required or "Select one of the options",
        validators=[] if required else [Optional()],
    )


class ExclusiveChoice:
    """Refuse ``exclusive`` (such as "I'm not sure") together with any other choice."""

    def __init__(self, exclusive: str, message: str) -> None:
        self.exclusive = exclusive
        self.message = message

    def __call__(self, _form: BaseForm, field: Field) -> None:
        if field.data and self.exclusive in field.data and len(field.data) > 1:
            raise ValidationError(self.message)


def checkboxes(
    label: str,
    choices: Choices,
    required: str | None = None,
    hint: str = "Select all that apply.",
    exclusive: ExclusiveChoice | None = None,
) -> SelectMultipleField:
    validators: list[Validator[Field]] = [
        DataRequired(message=required) if required else Optional()
    ]
    if exclusive is not None:
        validators.append(exclusive)
    return _choice_field(
        SelectMultipleField,
        label,
        choices,
        widget=GovCheckboxesInput(),
        description=hint,
        invalid_choice_message="Select from the options shown",
        validators=validators,
    )


def _text_validators(
    label: str, max_length: int, required: str | None
) -> list[Validator[StringField]]:
    """Required (``required`` is the message) or optional, and at most ``max_length`` long."""
    name = label.removesuffix(" (optional)").rstrip("?")
    return [
        DataRequired(message=required) if required else Optional(),
        Length(max=max_length, message=f"{name} must be {max_length:,} characters or fewer"),
    ]


def text(
    label: str, max_length: int = SHORT, hint: str = "", required: str | None = None
) -> StringField:
    return StringField(
        label,
        validators=_text_validators(label, max_length, required),
        description=hint,
        widget=GovTextInput(),
        filters=[strip_text],
    )


def textarea(
    label: str, max_length: int = MEDIUM, hint: str = "", required: str | None = None
) -> TextAreaField:
    return TextAreaField(
        label,
        validators=_text_validators(label, max_length, required),
        description=hint,
        widget=GovCharacterCount() if max_length >= ACCOUNT_MAX else GovTextArea(),
        filters=[strip_text],
    )


class DateProblem(ValueError):
    """A date that cannot be stored, with the message the person sees."""


def parse_approximate_date(day: str, month: str, year: str, today: dt.date) -> str:
    """ "YYYY-MM-DD", or "YYYY-MM" without a day; DateProblem says what is wrong (GOV.UK)."""
    if not (day or month or year):
        raise DateProblem("Enter the month and year it happened, or your best guess")
    if not month or not year:
        missing = " and ".join(n for n, v in (("a month", month), ("a year", year)) if not v)
        raise DateProblem(f"Date it happened must include {missing}")
    if not (month.isdecimal() and year.isdecimal()) or (day and not day.isdecimal()):
        raise DateProblem("Date it happened must be a real date, written in numbers")
    if len(year) != 4:
        raise DateProblem("Year must include 4 numbers")
    try:
        found = dt.date(int(year), int(month), int(day) if day else 1)
    except ValueError:  # day or month out of range: Python's own words mean nothing here
        raise DateProblem("Date it happened must be a real date") from None
    if found.year < 1900:
        raise DateProblem("Year must be 1900 or later")
    if (found if day else found.replace(day=1)) > today:
        raise DateProblem("Date it happened must be today or in the past")
    return found.isoformat() if day else found.isoformat()[:7]


class ApproximateDate(Field):
    """Day (optional), month and year as three inputs sharing one name.

    Stores "YYYY-MM" or "YYYY-MM-DD". Hostile posts with the wrong number of parts must get
    a message, not a 500 (govuk-frontend-wtf's widget unpacks exactly three parts), and a
    saved date is shown again as its three parts (the widget calls ``strftime`` on data).
    """

    widget = GovDateInput()

    @property
    def first_input_id(self) -> str:
        return f"{self.id}-day"

    def process_data(self, value: object) -> None:
        self.data = value if isinstance(value, str) else None
        if self.data:
            year, month, *day = self.data.split("-")
            self.raw_data = [day[0].lstrip("0") if day else "", month.lstrip("0"), year]

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [(v or "").strip()[:10] for v in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        day, month, year = parts
        self.data = parse_approximate_date(day, month, year, today=dt.date.today())

    def pre_validate(self, form: BaseForm) -> None:
        if self.raw_data is None or not any(self.raw_data):
            self.raw_data = ["", "", ""]
            if not self.errors:
                raise ValidationError("Enter the month and year it happened, or your best guess")

    def _value(self) -> str:
        return self.data or ""
