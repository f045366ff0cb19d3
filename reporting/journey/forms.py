"""The report's questions as forms (FORM.md), one form a page.

Wording follows who is reporting: "you" for the person it happened to, "they" for a witness
or someone reporting for another (``Voice``). Forms that depend on the voice or on the
deployment's configuration are built once per variant and cached.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Literal

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Field, StringField
from wtforms.validators import Length, ValidationError

from .fields import (
    ACCOUNT_MAX,
    MEDIUM,
    SHORT,
    ApproximateDate,
    Choices,
    ExclusiveChoice,
    JourneyForm,
    checkboxes,
    radios,
    text,
    textarea,
)

__all__ = ["ACCOUNT_MAX", "MEDIUM", "SHORT", "ApproximateDate", "JourneyForm"]

Voice = Literal["you", "they"]

YES_NO: Choices = [("yes", "Yes"), ("no", "No")]
YES_NO_DONT_KNOW: Choices = [("yes", "Yes"), ("no", "No"), ("dont-know", "I don't know")]

INCIDENT_TYPES: Choices = [
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
REPORTER_TYPES: Choices = [
    ("victim", "The person it happened to"),
    ("witness", "A witness"),
    ("someone-else", "On behalf of someone I know"),
]
TIME_OF_DAY: Choices = [
    ("morning", "Morning (6am to 12 noon)"),
    ("afternoon", "Afternoon (12 noon to 6pm)"),
    ("evening", "Evening (6pm to midnight)"),
    ("night", "Night (midnight to 6am)"),
    ("dont-know", "I don't know"),
]
STILL_HAPPENING: Choices = [
    ("once", "No, it happened once"),
    ("before", "It has happened before"),
    ("ongoing", "Yes, it is still happening"),
]
PLACE_TYPES: Choices = [
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
HOW_MANY: Choices = [
    ("one", "One person"),
    ("two-to-four", "2 to 4 people"),
    ("five-or-more", "5 or more people"),
    ("dont-know", "I don't know"),
]
SUPPORT: Choices = [
    ("victim-service", "Support from a victim service"),
    ("housing", "Help with housing"),
    ("talk", "Someone to talk to"),
    ("nothing", "Nothing right now"),
]
SHARE_POLICE: Choices = [
    ("with-details", "Yes, with my contact details"),
    ("without-details", "Yes, without my contact details"),
    ("no", "No, do not share it with the police"),
]
# Without contact details to share, "yes" can only mean without them (same stored code).
SHARE_POLICE_NO_CONTACT: Choices = [
    ("without-details", "Yes"),
    ("no", "No, do not share it with the police"),
]
SHARE_SUPPORT: Choices = [("yes", "Yes"), ("no", "No")]
CONTACT: Choices = [
    ("receipt", "No, do not contact me"),
    ("email", "Yes, by email"),
    ("phone", "Yes, by phone"),
]
AGE_BANDS: Choices = [
    ("under-18", "Under 18"),
    ("18-24", "18 to 24"),
    ("25-34", "25 to 34"),
    ("35-44", "35 to 44"),
    ("45-54", "45 to 54"),
    ("55-64", "55 to 64"),
    ("65-plus", "65 or over"),
    ("prefer-not", "Prefer not to say"),
]
DISABILITY: Choices = [("yes", "Yes"), ("no", "No"), ("prefer-not", "Prefer not to say")]

# What happens if the person says yes, shown beside each sharing choice (FORM.md 14).
_POLICE_HINTS = {
    "with-details": "We send your report to the police with your contact details, so they "
    "can investigate and contact you.",
    "without-details": "We send your report to the police without your name or contact "
    "details. They can use it to spot patterns and plan patrols, but they cannot contact you "
    "about it.",
    "no": "Only the partnership's reviewing officers read it. It is not a police report.",
}
_SUPPORT_HINTS = {
    True: {
        "yes": "A support service, such as Victim Support, can contact you to offer help, "
        "using the contact details you gave us.",
        "no": "We will not pass your report to a support service.",
    },
    False: {
        "yes": "We pass your report to a support service without any contact details, so they "
        "cannot contact you. You can contact them yourself: see \u201cGet support\u201d.",
        "no": "We will not pass your report to a support service.",
    },
}


def choice_hints(name: str, answers: Any) -> dict[str, str] | None:
    """Hints shown beside the choices of the field ``name``, if it has any."""
    if name == "share_with_police":
        return _POLICE_HINTS
    if name == "share_with_support":
        return _SUPPORT_HINTS[wants_contact(answers)]
    return None


EXCLUSIVE_CHOICES = {"strands": "not-sure"}

ANONYMITY_HINT = (
    "Anything you write here could identify someone. Leave names out if you want to stay anonymous."
)
PREFER_NOT = "Leave blank if you prefer not to say."

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")


def voice_of(answers: Any) -> Voice:
    """ "you" unless the reporter said they are a witness or reporting for someone else."""
    reporter = answers.get("reporting-as", {}).get("reporter_type")
    return "they" if reporter in ("witness", "someone-else") else "you"


def _fixed(form_class: type[JourneyForm]) -> Any:
    return lambda _config, _answers: form_class


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


@functools.cache
def _strands_form(strand_choices: tuple[tuple[str, str], ...]) -> type[JourneyForm]:
    class WhyForm(JourneyForm):
        strands = checkboxes(
            "Why do you think it happened?",
            list(strand_choices),
            required="Select why you think it happened",
            hint="Because of who they are, or who someone thought they were. "
            "Select all that apply.",
            exclusive=ExclusiveChoice(
                "not-sure", "Select why you think it happened, or select \u201cI'm not sure\u201d"
            ),
        )

    return WhyForm


def strands_form(config: Any, _answers: Any) -> type[JourneyForm]:
    """The strands are configurable per deployment, so this form is built from config."""
    return _strands_form(tuple((str(k), str(v)) for k, v in config["HATE_STRANDS"]))


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


DISTRICT_QUESTION = "Which area of {area} did it happen in?"


@functools.cache
def _district_form(choices: tuple[tuple[str, str], ...], area: str) -> type[JourneyForm]:
    class DistrictForm(JourneyForm):
        district = radios(
            DISTRICT_QUESTION.format(area=area),
            list(choices),
            required="Select the area it happened in",
            hint="If it happened online, choose where you live.",
        )

    return DistrictForm


def district_form(config: Any, _answers: Any) -> type[JourneyForm]:
    choices = tuple((str(k), str(v)) for k, v in config["DISTRICTS"])
    return _district_form(choices, str(config["AREA_NAME"]))


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


@functools.cache
def _responsible_form(voice: Voice) -> type[JourneyForm]:
    known = "Someone I know" if voice == "you" else "Someone they know"

    class ResponsibleForm(JourneyForm):
        how_many = radios("How many people were responsible? (optional)", HOW_MANY)
        known_as = radios(
            "Who were they? (optional)",
            [
                ("stranger", "A stranger"),
                ("neighbour", "A neighbour"),
                ("online", "Someone online"),
                ("known", f"{known}, such as a colleague or family member"),
                ("dont-know", "I don't know"),
            ],
        )

    return ResponsibleForm


def responsible_form(_config: Any, answers: Any) -> type[JourneyForm]:
    return _responsible_form(voice_of(answers))


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


@functools.cache
def _harm_form(voice: Voice) -> type[JourneyForm]:
    question = (
        "Were you hurt, or was anything damaged or taken? (optional)"
        if voice == "you"
        else "Was anyone hurt, or was anything damaged or taken? (optional)"
    )

    class HarmForm(JourneyForm):
        harm = textarea(question, MEDIUM)

    return HarmForm


def harm_form(_config: Any, answers: Any) -> type[JourneyForm]:
    return _harm_form(voice_of(answers))


@functools.cache
def _impact_form(voice: Voice) -> type[JourneyForm]:
    whom = "you" if voice == "you" else "the person it happened to"

    class ImpactForm(JourneyForm):
        impact = textarea(f"How has this affected {whom}? (optional)", MEDIUM)
        support = checkboxes("What support would help? (optional)", SUPPORT)

    return ImpactForm


def impact_form(_config: Any, answers: Any) -> type[JourneyForm]:
    return _impact_form(voice_of(answers))


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
        hint="We only use your contact details to talk to you about this report.",
    )


class EmailForm(JourneyForm):
    # Not text(): its Optional() would stop the chain before the format check, and an empty
    # address would pass (FRONTEND.md pitfall 5).
    email = StringField(
        "What is your email address?",
        widget=GovTextInput(),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
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
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[Length(max=30, message="Phone number must be 30 characters or fewer")],
    )

    def validate_phone(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Enter your phone number")
        if not _PHONE.match(field.data):
            raise ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")


def contact_details_form(_config: Any, answers: Any) -> type[JourneyForm]:
    method = answers.get("contact", {}).get("contact")
    return PhoneForm if method == "phone" else EmailForm


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


@functools.cache
def _sharing_form(has_contact: bool) -> type[JourneyForm]:
    class SharingForm(JourneyForm):
        share_with_police = radios(
            "Can we share this report with the police?",
            SHARE_POLICE if has_contact else SHARE_POLICE_NO_CONTACT,
            required="Select if we can share this report with the police",
        )
        share_with_support = radios(
            "Can we share it with a support service so they can offer help?",
            SHARE_SUPPORT,
            required="Select if we can share it with a support service",
        )

    return SharingForm


def wants_contact(answers: Any) -> bool:
    return answers.get("contact", {}).get("contact") in ("email", "phone")


def sharing_form(_config: Any, answers: Any) -> type[JourneyForm]:
    return _sharing_form(wants_contact(answers))


@functools.cache
def _about_forms(voice: Voice) -> dict[str, type[JourneyForm]]:
    you = voice == "you"
    your = "Your" if you else "Their"
    do_you = "Do you" if you else "Do they"

    class AboutForm(JourneyForm):
        name = text(f"{your} name (optional)", SHORT)
        age_band = radios(f"{your} age (optional)", AGE_BANDS)

    class BackgroundForm(JourneyForm):
        ethnicity = text(f"{your} ethnic group (optional)", SHORT, hint=PREFER_NOT)
        religion = text(f"{your} religion or belief (optional)", SHORT, hint=PREFER_NOT)

    class IdentityForm(JourneyForm):
        sexual_orientation = text(f"{your} sexual orientation (optional)", SHORT, hint=PREFER_NOT)
        gender = text(
            f"{your} gender, and whether {'you are' if you else 'they are'} trans (optional)",
            SHORT,
            hint=PREFER_NOT,
        )

    class DisabilityForm(JourneyForm):
        disability = radios(f"{do_you} have a disability? (optional)", DISABILITY)

    return {
        "about": AboutForm,
        "about-background": BackgroundForm,
        "about-identity": IdentityForm,
        "about-disability": DisabilityForm,
    }


def about_form(slug: str) -> Any:
    return lambda _config, answers: _about_forms(voice_of(answers))[slug]


class SendForm(JourneyForm):
    """The check-your-answers page's "Send report" button."""


class StartForm(JourneyForm):
    """The start page's "Start now" button."""


FIXED = {
    "danger": _fixed(DangerForm),
    "reporting-as": _fixed(ReportingAsForm),
    "what-happened": _fixed(WhatHappenedForm),
    "why-details": _fixed(WhyDetailsForm),
    "when": _fixed(WhenForm),
    "time-of-day": _fixed(TimeOfDayForm),
    "still-happening": _fixed(StillHappeningForm),
    "where": _fixed(WhereForm),
    "location": _fixed(LocationForm),
    "online-place": _fixed(OnlinePlaceForm),
    "account": _fixed(AccountForm),
    "responsible-description": _fixed(DescriptionForm),
    "witnesses": _fixed(WitnessesForm),
    "witness-details": _fixed(WitnessDetailsForm),
    "police": _fixed(PoliceForm),
    "crime-reference": _fixed(CrimeReferenceForm),
    "contact": _fixed(ContactForm),
    "contact-times": _fixed(ContactTimesForm),
    "contact-language": _fixed(LanguageForm),
}
