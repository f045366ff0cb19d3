"""Question forms whose wording or choices vary: by the deployment's settings, or by who is
reporting ("you" for the person it happened to, "they" for a witness or someone reporting for
another: ``answers.Voice``).

Each variant's form class is built once and cached: building a class on every request would
repeat WTForms' class set-up each time.
"""

from __future__ import annotations

import functools

from .answers import Answers, Settings, Voice, answer, voice_of, wants_contact
from .choices import (
    AGE_BANDS,
    DISABILITY,
    HOW_MANY,
    PREFER_NOT,
    SHARE_POLICE,
    SHARE_POLICE_NO_CONTACT,
    SHARE_SUPPORT,
    SUPPORT,
)
from .fields import MEDIUM, SHORT, ExclusiveChoice, JourneyForm, checkboxes, radios, text, textarea
from .forms import EmailForm, FormFactory, PhoneForm

DISTRICT_QUESTION = "Which area of {area} did it happen in?"


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


def strands_form(settings: Settings, _answers: Answers) -> type[JourneyForm]:
    """The strands are configurable per deployment, so this form is built from config."""
    return _strands_form(tuple((str(k), str(v)) for k, v in settings["HATE_STRANDS"]))


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


def district_form(settings: Settings, _answers: Answers) -> type[JourneyForm]:
    choices = tuple((str(k), str(v)) for k, v in settings["DISTRICTS"])
    return _district_form(choices, str(settings["AREA_NAME"]))


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


def responsible_form(_settings: Settings, answers: Answers) -> type[JourneyForm]:
    return _responsible_form(voice_of(answers))


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


def harm_form(_settings: Settings, answers: Answers) -> type[JourneyForm]:
    return _harm_form(voice_of(answers))


@functools.cache
def _impact_form(voice: Voice) -> type[JourneyForm]:
    whom = "you" if voice == "you" else "the person it happened to"

    class ImpactForm(JourneyForm):
        impact = textarea(f"How has this affected {whom}? (optional)", MEDIUM)
        support = checkboxes("What support would help? (optional)", SUPPORT)

    return ImpactForm


def impact_form(_settings: Settings, answers: Answers) -> type[JourneyForm]:
    return _impact_form(voice_of(answers))


def contact_details_form(_settings: Settings, answers: Answers) -> type[JourneyForm]:
    return PhoneForm if answer(answers, "contact", "contact") == "phone" else EmailForm


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


def sharing_form(_settings: Settings, answers: Answers) -> type[JourneyForm]:
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


def about_form(slug: str) -> FormFactory:
    """The factory of one of the "About you" pages."""
    return lambda _settings, answers: _about_forms(voice_of(answers))[slug]
