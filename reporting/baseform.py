"""The base of every form (FlaskForm with a typed constructor) and of every choice field.

Flask-WTF does not annotate ``FlaskForm.__init__``, so under strict mypy every call to a form
would be an untyped call; annotating it here, once, keeps that check on for everything else.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectFieldBase

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
