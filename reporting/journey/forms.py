"""The report's questions as forms (FORM.md), one form a page.

Every text field has a length limit; every choice is checked against its list on the server.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

SHORT = 200
MEDIUM = 2_000
ACCOUNT_MAX = 10_000


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class JourneyForm(FlaskForm):
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


def radios(
    label: str, choices: list[tuple[str, str]], required: str | None = None, hint: str = ""
) -> RadioField:
    """A radio group; ``required`` is the message shown when nothing is chosen."""
    return RadioField(
        label,
        choices=choices,
        widget=GovRadioInput(),
        description=hint,
        invalid_choice_message=required or "Select one of the options",
        validators=[] if required else [Optional()],
    )


def checkboxes(
    label: str,
    choices: list[tuple[str, str]],
    required: str | None = None,
    hint: str = "Select all that apply.",
) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        choices=choices,
        widget=GovCheckboxesInput(),
        description=hint,
        invalid_choice_message="Select from the options shown",
        validators=[DataRequired(message=required)] if required else [Optional()],
    )


def text(
    label: str, max_length: int = SHORT, hint: str = "", required: str | None = None
) -> StringField:
    validators: list[Any] = [
        Length(
            max=max_length,
            message=(
                f"{label.removesuffix(' (optional)')} must be {max_length} characters or fewer"
            ),
        )
    ]
    validators.insert(0, DataRequired(message=required) if required else Optional())
    return StringField(
        label, validators=validators, description=hint, widget=GovTextInput(), filters=[_strip]
    )


def textarea(
    label: str, max_length: int = MEDIUM, hint: str = "", required: str | None = None
) -> TextAreaField:
    validators: list[Any] = [
        Length(
            max=max_length,
            message=(
                f"{label.removesuffix(' (optional)')} must be {max_length:,} characters or fewer"
            ),
        )
    ]
    validators.insert(0, DataRequired(message=required) if required else Optional())
    return TextAreaField(
        label,
        validators=validators,
        description=hint,
        widget=GovCharacterCount() if max_length >= ACCOUNT_MAX else GovTextArea(),
        filters=[_strip],
    )


class ApproximateDate(Field):
    """Day (optional), month and year as three inputs sharing one name.

    Stores "YYYY-MM" or "YYYY-MM-DD". Hostile posts with the wrong number of parts must get
    a message, not a 500 (govuk-frontend-wtf's widget unpacks exactly three parts).
    """

    widget = GovDateInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [(v or "").strip()[:10] for v in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        day, month, year = parts
        if not month and not year and not day:
            raise ValueError("Enter the month and year it happened, or your best guess")
        if not (month.isdecimal() and year.isdecimal()):
            raise ValueError("Date must include a month and year, as numbers")
        if day and not day.isdecimal():
            raise ValueError("Day must be a number")
        try:
            y, m = int(year), int(month)
            if not 1 <= m <= 12:
                raise ValueError
            if len(year) != 4:
                raise ValueError("Year must include 4 numbers")
            found = dt.date(y, m, int(day) if day else 1)
        except ValueError as error:
            raise ValueError(str(error) if str(error) else "Date must be a real date") from None
        if found > dt.date.today():
            raise ValueError("Date must be today or in the past")
        if y < 1900:
            raise ValueError("Year must be 1900 or later")
        self.data = found.isoformat() if day else found.isoformat()[:7]

    def pre_validate(self, form: Any) -> None:
        if self.raw_data is None or not any(self.raw_data):
            self.raw_data = ["", "", ""]
            if not self.errors:
                raise ValidationError("Enter the month and year it happened, or your best guess")

    def _value(self) -> str:
        return self.data or ""


def _dict_choices(
    items: list[tuple[str, str]] | tuple[tuple[str, str], ...],
) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in items]


YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_DONT_KNOW = [("yes", "Yes"), ("no", "No"), ("dont-know", "I don't know")]

INCIDENT_TYPES = [
    ("verbal", "Verbal abuse or insults"),
    ("threats", "Threats"),
    ("physical", "Physical attack"),
    ("damage", "Damage to property or graffiti"),
    ("online", "Online abuse"),
    ("messages", "Letters, leaflets or messages"),
    ("harassment", "Harassment or bullying"),
    ("theft", "Theft"),
    ("other", "Something else"),
]

REPORTER_TYPES = [
    ("victim", "The person it happened to"),
    ("witness", "A witness"),
    ("someone-else", "On behalf of someone I know"),
]

TIME_OF_DAY = [
    ("morning", "Morning (6am to 12 noon)"),
    ("afternoon", "Afternoon (12 noon to 6pm)"),
    ("evening", "Evening (6pm to midnight)"),
    ("night", "Night (midnight to 6am)"),
    ("dont-know", "I don't know"),
]

STILL_HAPPENING = [
    ("once", "No, it happened once"),
    ("before", "It has happened before"),
    ("ongoing", "Yes, it is still happening"),
]

PLACE_TYPES = [
    ("home", "At or near a home"),
    ("street", "In the street"),
    ("transport", "On public transport or at a station"),
    ("shop", "In a shop"),
    ("pub", "In a pub, bar or restaurant"),
    ("education", "At a school, college or university"),
    ("work", "At work"),
    ("worship", "At a place of worship"),
    ("park", "In a park or open space"),
    ("online", "Online"),
    ("other", "Somewhere else"),
]

HOW_MANY = [
    ("one", "One person"),
    ("two-to-four", "2 to 4 people"),
    ("five-or-more", "5 or more people"),
    ("dont-know", "I don't know"),
]
KNOWN_AS = [
    ("stranger", "A stranger"),
    ("neighbour", "A neighbour"),
    ("online", "Someone online"),
    ("known", "Someone I know, such as a colleague or family member"),
    ("dont-know", "I don't know"),
]
SUPPORT = [
    ("victim-service", "Support from a victim service"),
    ("housing", "Help with housing"),
    ("talk", "Someone to talk to"),
    ("nothing", "Nothing right now"),
]
SHARE_POLICE = [
    ("with-details", "Yes, with my contact details"),
    ("without-details", "Yes, without my contact details"),
    ("no", "No, do not share it with the police"),
]
SHARE_SUPPORT = [("yes", "Yes"), ("no", "No")]
CONTACT = [
    ("receipt", "No, I will check for replies with my receipt"),
    ("email", "Yes, by email"),
    ("phone", "Yes, by phone"),
]
AGE_BANDS = [
    ("under-18", "Under 18"),
    ("18-24", "18 to 24"),
    ("25-34", "25 to 34"),
    ("35-44", "35 to 44"),
    ("45-54", "45 to 54"),
    ("55-64", "55 to 64"),
    ("65-plus", "65 or over"),
    ("prefer-not", "Prefer not to say"),
]
DISABILITY = [("yes", "Yes"), ("no", "No"), ("prefer-not", "Prefer not to say")]

ANONYMITY_HINT = (
    "Anything you write here could identify someone. Leave names out if you want to stay anonymous."
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")


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


def strands_form(strand_choices: list[tuple[str, str]]) -> type[JourneyForm]:
    """The strands are configurable per deployment, so this form is built from config."""

    class WhyForm(JourneyForm):
        strands = checkboxes(
            "Why do you think it happened?",
            _dict_choices(strand_choices),
            required="Select why you think it happened",
            hint="Because of who they are, or who someone thought they were. "
            "Select all that apply.",
        )

    return WhyForm


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


def district_form(district_choices: list[tuple[str, str]], area: str) -> type[JourneyForm]:
    class DistrictForm(JourneyForm):
        district = radios(
            f"Which part of {area} did it happen in?",
            _dict_choices(district_choices),
            required="Select the area it happened in",
            hint="If it happened online, choose where you live.",
        )

    return DistrictForm


class LocationForm(JourneyForm):
    place = text(
        "Address, postcode or name of the place (optional)",
        SHORT,
        hint="For example, the street, the shop's name or the bus route.",
    )
    online_place = text(
        "Website, app or platform (optional)",
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


class ResponsibleForm(JourneyForm):
    how_many = radios("How many people were responsible? (optional)", HOW_MANY)
    known_as = radios("Who were they? (optional)", KNOWN_AS)
    description = textarea(
        "Describe them (optional)",
        MEDIUM,
        hint="For example, what they looked like or what they were wearing.",
    )


class WitnessesForm(JourneyForm):
    witnesses = radios("Were there any witnesses? (optional)", YES_NO_DONT_KNOW)
    witness_details = textarea("Details of any witnesses (optional)", MEDIUM, hint=ANONYMITY_HINT)


class HarmForm(JourneyForm):
    harm = textarea("Were you hurt, or was anything damaged or taken? (optional)", MEDIUM)


class ImpactForm(JourneyForm):
    impact = textarea("How has this affected you? (optional)", MEDIUM)
    support = checkboxes("What support would help? (optional)", SUPPORT)


class PoliceForm(JourneyForm):
    told_police = radios(
        "Have you told the police?", YES_NO_DONT_KNOW, required="Select if you have told the police"
    )
    crime_reference = text(
        "Crime reference number (optional)",
        40,
        hint="If you told the police and they gave you one.",
    )


class SharingForm(JourneyForm):
    share_with_police = radios(
        "Can we share this report with the police?",
        SHARE_POLICE,
        required="Select if we can share this report with the police",
    )
    share_with_support = radios(
        "Can we share it with a support service so they can offer you help?",
        SHARE_SUPPORT,
        required="Select if we can share it with a support service",
    )


class ContactForm(JourneyForm):
    contact = radios(
        "Do you want us to contact you?", CONTACT, required="Select if you want us to contact you"
    )


class ContactDetailsForm(JourneyForm):
    # Not text(): its Optional() would stop the chain before validate_email/validate_phone,
    # and an empty address would pass (FRONTEND.md pitfall 5).
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Length(max=254, message="Email address must be 254 characters or fewer")],
    )
    phone = StringField(
        "Phone number",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Length(max=30, message="Phone number must be 30 characters or fewer")],
    )
    safe_times = text("When is it safe to contact you? (optional)", SHORT)
    leave_message = radios("Is it safe to leave a message? (optional)", YES_NO)
    language_needs = text("Language, BSL or interpreter needs (optional)", SHORT)

    def __init__(self, *args: Any, method: str = "email", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method = method

    def validate_email(self, field: Field) -> None:
        if self.method != "email":
            return
        if not field.data:
            raise ValidationError("Enter your email address")
        if not _EMAIL.match(field.data):
            raise ValidationError(
                "Enter an email address in the correct format, like name@example.com"
            )

    def validate_phone(self, field: Field) -> None:
        if self.method != "phone":
            return
        if not field.data:
            raise ValidationError("Enter your phone number")
        if not _PHONE.match(field.data):
            raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")


class AboutForm(JourneyForm):
    name = text("Name (optional)", SHORT)
    age_band = radios("Age (optional)", AGE_BANDS)
    disability = radios("Do they have a disability? (optional)", DISABILITY)
    ethnicity = text("Ethnic group (optional)", SHORT, hint="Leave blank if you prefer not to say.")
    religion = text(
        "Religion or belief (optional)", SHORT, hint="Leave blank if you prefer not to say."
    )
    sexual_orientation = text(
        "Sexual orientation (optional)", SHORT, hint="Leave blank if you prefer not to say."
    )
    gender = text(
        "Gender, and whether they are trans (optional)",
        SHORT,
        hint="Leave blank if you prefer not to say.",
    )


class SendForm(JourneyForm):
    """The check-your-answers page's "Send report" button."""


class StartForm(JourneyForm):
    """The start page's "Start now" button."""
