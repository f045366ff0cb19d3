"""The report page's status form: the new status, the reason for closing and, when the reason
is "duplicate", the reference of the report it duplicates (revealed under that choice when
JavaScript runs: static/js/conditional-reveal.js; a plain field after the reasons without
it)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..baseform import Form, choice_field
from ..casework import CLOSE_REASONS, STATUSES
from ..casework.duplicates import DUPLICATE

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
