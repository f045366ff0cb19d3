"""The forms a returning reporter fills in: the receipt, a message to the team, more
information, and what they agree to share."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovTextInput
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length

from ..baseform import Form, choice_field, normalise_newlines, required
from ..journey.choices import SHARE_POLICE, SHARE_POLICE_NO_CONTACT, SHARE_SUPPORT
from ..messages import MESSAGE_MAX
from ..reporter_updates import ADDITION_MAX

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
        description="Only the reviewing officers and anyone who signs in here with your receipt "
        "can read it: it stays on this page.",
        filters=[normalise_newlines],
        validators=[
            required("Enter your message"),
            Length(
                max=MESSAGE_MAX,
                message=f"Your message must be {MESSAGE_MAX:,} characters or fewer",
            ),
        ],
    )


class AdditionForm(Form):
    addition = TextAreaField(
        "What do you want to add?",
        widget=GovCharacterCount(),
        description="Tell us more about what happened, or about something that happened "
        "later. It is added to your report with today's date. Only the reviewing officers "
        "can read it.",
        filters=[normalise_newlines],
        validators=[
            required("Enter what you want to add to your report"),
            Length(
                max=ADDITION_MAX,
                message=f"What you add must be {ADDITION_MAX:,} characters or fewer",
            ),
        ],
    )


class SharingForm(Form):
    """What the reporter agrees to share now; "with my contact details" only for a reporter
    who gave some (``set_choices``)."""

    share_with_police = choice_field(
        RadioField,
        "Can we share your report with the police?",
        invalid_choice="Select if we can share your report with the police",
        widget=GovRadioInput(),
        choices=SHARE_POLICE,
    )
    share_with_support = choice_field(
        RadioField,
        "Can we share it with a support service so they can offer help?",
        invalid_choice="Select if we can share it with a support service",
        widget=GovRadioInput(),
        choices=SHARE_SUPPORT,
    )

    def set_choices(self, details_allowed: bool) -> None:
        self.share_with_police.choices = list(
            SHARE_POLICE if details_allowed else SHARE_POLICE_NO_CONTACT
        )
