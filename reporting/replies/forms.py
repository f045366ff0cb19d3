"""The two forms a returning reporter fills in: the receipt, and a message to the team."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextInput
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from ..baseform import Form, normalise_newlines, required
from ..messages import MESSAGE_MAX

EMPTY_RECEIPT = "Enter the 16 digits of your receipt"


class ReceiptForm(Form):
    # No length check of its own: anything that is not a receipt gets the one answer for a
    # wrong receipt (follow_up.open_with_receipt refuses long input before normalising it).
    receipt = StringField(
        "Your receipt",
        widget=GovTextInput(),
        description="The 16 digits you were given when you sent your report. Spaces and "
        "dashes do not matter.",
        validators=[required(EMPTY_RECEIPT)],
    )


class MessageForm(Form):
    message = TextAreaField(
        "Send a message to the team",
        widget=GovCharacterCount(),
        description="Only the reviewing officers can read it.",
        filters=[normalise_newlines],
        validators=[
            required("Enter your message"),
            Length(
                max=MESSAGE_MAX,
                message=f"Your message must be {MESSAGE_MAX:,} characters or fewer",
            ),
        ],
    )
