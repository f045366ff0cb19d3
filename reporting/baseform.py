"""The base of every form (FlaskForm with a typed constructor), and the field parts forms share.

Flask-WTF does not annotate ``FlaskForm.__init__``, so under strict mypy every call to a form
would be an untyped call; annotating it here, once, keeps that check on for everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectFieldBase
from wtforms.form import BaseForm
from wtforms.validators import StopValidation

ChoiceField = TypeVar("ChoiceField", bound=SelectFieldBase)


def choice_field(
    field_class: type[ChoiceField], label: str, *, invalid_choice: str, **options: Any
) -> ChoiceField:
    """A radio, checkbox or select field saying ``invalid_choice`` for a value not offered.

    The one place WTForms 3.3's ``invalid_choice_message`` is passed: types-WTForms is 3.2's.
    """
    return field_class(label, invalid_choice_message=invalid_choice, **options)  # type: ignore[call-arg]


class Form(FlaskForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]

    def is_submitted(self) -> bool:
        return bool(super().is_submitted())  # type: ignore[no-untyped-call]

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        return self.is_submitted() and self.validate(extra_validators=extra_validators)


def required(message: str) -> Callable[[BaseForm, Field], None]:
    """A validator refusing an empty or blank answer with ``message``.

    Not DataRequired: that also sets the ``required`` flag, which the GOV.UK widgets turn into
    a browser-side check (GOV.UK validates on the server).
    """

    def check(_form: BaseForm, field: Field) -> None:
        if not (field.data or "").strip():
            field.errors = []
            raise StopValidation(message)

    return check


def normalise_newlines(value: object) -> object:
    """A filter: browsers send CRLF, but count (and people see) one character per line break."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value
