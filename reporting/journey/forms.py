"""The journey's question forms that are the same for everyone (FORM.md), one form a page.

Forms whose wording or choices depend on the answers or the deployment are in ``variants.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Field, StringField
from wtforms.validators import Length, ValidationError

from .answers import Answers, Settings
from .choices import (
    ANONYMITY_HINT,
    CONTACT,
    INCIDENT_TYPES,
    PLACE_TYPES,
    REPORTER_TYPES,
    STILL_HAPPENING,
    TIME_OF_DAY,
    YES_NO,
    YES_NO_DONT_KNOW,
)
from .fields import (
    ACCOUNT_MAX,
    MEDIUM,
    SHORT,
    ApproximateDate,
    JourneyForm,
    checkboxes,
    radios,
    strip_text,
    text,
    textarea,
)

# Which form a page shows, given the deployment's settings and the answers so far.
FormFactory = Callable[[Settings, Answers], type[JourneyForm]]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")


def fixed(form_class: type[JourneyForm]) -> FormFactory:
    """The factory of a page whose form is the same for everyone."""
    return lambda _settings, _answers: form_class


class DangerForm(JourneyForm):
    danger = radios(
        "Is anyone in immediate danger?",
        YES_NO,
        required="Select yes if anyone is in immediate danger",
    )


class ReportingAsForm(JourneyForm):
    reporter_type = radios(
        "Who are you reporting as?", REPORTER_TYPES, required="Select who you are reporting as"
    )


class WhatHappenedForm(JourneyForm):
    incident_types = checkboxes("What happened?", INCIDENT_TYPES, required="Select what happened")


class WhyDetailsForm(JourneyForm):
    why_details = textarea(
        "What made you think that? (optional)",
        MEDIUM,
        hint="For example, words that were used, gestures or symbols.",
    )


class WhenForm(JourneyForm):
    incident_date = ApproximateDate(
        "When did it happen?",
        description="For example, 27 3 2026. If you do not know the day, enter the month and year.",
    )


class TimeOfDayForm(JourneyForm):
    time_of_day = radios(
        "What time of day did it happen?",
        TIME_OF_DAY,
        required="Select what time of day it happened",
    )


class StillHappeningForm(JourneyForm):
    still_happening = radios(
        "Is it still happening?", STILL_HAPPENING, required="Select if it is still happening"
    )


class WhereForm(JourneyForm):
    place_type = radios("Where did it happen?", PLACE_TYPES, required="Select where it happened")


class LocationForm(JourneyForm):
    place = text(
        "Where exactly did it happen? (optional)",
        SHORT,
        hint="An address, a postcode or the name of the place. For example, the street, the "
        "shop's name or the bus route. " + ANONYMITY_HINT,
    )


class OnlinePlaceForm(JourneyForm):
    online_place = text(
        "Which website, app or platform was it on? (optional)",
        SHORT,
        hint="For example, the name of the app or a link to the post.",
    )


class AccountForm(JourneyForm):
    account = textarea(
        "Tell us what happened",
        ACCOUNT_MAX,
        hint="Include what was said or done, and anything else you think is important. "
        + ANONYMITY_HINT,
        required="Tell us what happened",
    )


class DescriptionForm(JourneyForm):
    description = textarea(
        "Describe the people responsible (optional)",
        MEDIUM,
        hint="For example, what they looked like or what they were wearing.",
    )


class WitnessesForm(JourneyForm):
    witnesses = radios("Were there any witnesses? (optional)", YES_NO_DONT_KNOW)


class WitnessDetailsForm(JourneyForm):
    witness_details = textarea(
        "Tell us about the witnesses (optional)",
        MEDIUM,
        hint="For example, who they are or how to find them. " + ANONYMITY_HINT,
    )


class PoliceForm(JourneyForm):
    told_police = radios(
        "Have you told the police?", YES_NO_DONT_KNOW, required="Select if you have told the police"
    )


class CrimeReferenceForm(JourneyForm):
    crime_reference = text(
        "What is the crime reference number? (optional)",
        40,
        hint="If the police gave you one. It often starts with letters and numbers.",
    )


class ContactForm(JourneyForm):
    contact = radios(
        "Do you want us to contact you?",
        CONTACT,
        required="Select if you want us to contact you",
        hint="We use your contact details to talk to you about this report. We pass them to the "
        "police or a support service only if you agree: you choose later.",
    )


class EmailForm(JourneyForm):
    # Not text(): its Optional() would stop the chain before the format check, and an empty
    # address would pass (FRONTEND.md pitfall 5).
    email = StringField(
        "What is your email address?",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[Length(max=254, message="Email address must be 254 characters or fewer")],
    )

    def validate_email(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Enter your email address")
        if not _EMAIL.match(field.data):
            raise ValidationError(
                "Enter an email address in the correct format, like name@example.com"
            )


class PhoneForm(JourneyForm):
    phone = StringField(
        "What is your phone number?",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[Length(max=30, message="Phone number must be 30 characters or fewer")],
    )

    def validate_phone(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Enter your phone number")
        if not _PHONE.match(field.data):
            raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")


class ContactTimesForm(JourneyForm):
    safe_times = text(
        "When is it safe to call you? (optional)", SHORT, hint="For example, weekday evenings."
    )
    leave_message = radios("Is it safe to leave a voicemail message? (optional)", YES_NO)


class LanguageForm(JourneyForm):
    language_needs = text(
        "Do you need an interpreter, British Sign Language or other help to talk to us? (optional)",
        SHORT,
        hint="For example, a Polish interpreter.",
    )


class SendForm(JourneyForm):
    """The check-your-answers page's "Send report" button."""


class StartForm(JourneyForm):
    """The start page's "Start now" button."""
