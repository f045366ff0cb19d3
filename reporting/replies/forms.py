"""The two forms a returning reporter fills in: the receipt, and a message to the team."""

from __future__ import annotations

from collections.abc import Callable

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextInput
from wtforms import Field, StringField, TextAreaField
from wtforms.form import BaseForm
from wtforms.validators import Length, StopValidation

from ..baseform import Form
from ..messages import MESSAGE_MAX


def _required(message: str) -> Callable[[BaseForm, Field], None]:
    # Not DataRequired: that sets the `required` flag, a browser-side check (GOV.UK validates
    # on the server).
    def check(_form: BaseForm, field: Field) -> None:
        if not (field.data or "").strip():
            field.errors = []
            raise StopValidation(message)

    return check


def _normalise_newlines(value: object) -> object:
    # Browsers send CRLF, but count (and people see) one character per line break.
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


EMPTY_RECEIPT = "Enter the 16 digits of your receipt"


class ReceiptForm(Form):
    # No length check of its own: anything that is not a receipt gets the one answer for a
    # wrong receipt (follow_up.open_with_receipt refuses long input before normalising it).
    receipt = StringField(
        "Your receipt",
        widget=GovTextInput(),
        description="The 16 digits you were given when you sent your report. Spaces and "
        "dashes do not matter.",
        validators=[_required(EMPTY_RECEIPT)],
    )


class MessageForm(Form):
    message = TextAreaField(
        "Send a message to the team",
        widget=GovCharacterCount(),
        description="Only the reviewing officers can read it.",
        filters=[_normalise_newlines],
        validators=[
            _required("Enter your message"),
            Length(
                max=MESSAGE_MAX,
                message=f"Your message must be {MESSAGE_MAX:,} characters or fewer",
            ),
        ],
    )
