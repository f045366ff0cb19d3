"""The journey's question pages, in order: each page's form, its summary card, when it applies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from . import forms
from .answers import Answers, Settings, answer, voice_of, wants_contact
from .fields import JourneyForm
from .forms import FormFactory, fixed
from .variants import (
    about_form,
    contact_details_form,
    district_form,
    harm_form,
    impact_form,
    responsible_form,
    sharing_form,
    strands_form,
)


def _always(_answers: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Page:
    """One question page of the journey."""

    slug: str
    title: str
    form: FormFactory
    section: str
    applies: Callable[[Answers], bool] = _always
    # Pages with one question use its label as the h1; others get ``title`` as the h1.
    single_question: bool = True
    anonymity_note: bool = False
    # Long free text: the page says how long unsent answers are kept.
    long_text: bool = False
    # The h1 of a many-question page when the person it happened to is reporting.
    title_you: str | None = None

    def make_form(
        self,
        settings: Settings,
        answers: Answers,
        formdata: MultiDict[str, str] | None = None,
    ) -> JourneyForm:
        form_class = self.form(settings, answers)
        if formdata is not None:
            return form_class(formdata=formdata)
        saved = answers.get(self.slug)
        return form_class(formdata=None, data=dict(saved) if saved else None)

    def heading(self, answers: Answers) -> str:
        if self.title_you and voice_of(answers) == "you":
            return self.title_you
        return self.title


def _online(answers: Answers) -> bool:
    return answer(answers, "where", "place_type") == "online"


def _not_online(answers: Answers) -> bool:
    return not _online(answers)


def _has_witnesses(answers: Answers) -> bool:
    return answer(answers, "witnesses", "witnesses") == "yes"


def _told_police(answers: Answers) -> bool:
    return answer(answers, "police", "told_police") == "yes"


def _by_phone(answers: Answers) -> bool:
    return answer(answers, "contact", "contact") == "phone"


PAGES: list[Page] = [
    Page("danger", "Is anyone in immediate danger?", fixed(forms.DangerForm), "what"),
    Page("reporting-as", "Who are you reporting as?", fixed(forms.ReportingAsForm), "people"),
    Page("what-happened", "What happened?", fixed(forms.WhatHappenedForm), "what"),
    Page("why", "Why do you think it happened?", strands_form, "what"),
    Page(
        "why-details",
        "What made you think that?",
        fixed(forms.WhyDetailsForm),
        "what",
        anonymity_note=True,
        long_text=True,
    ),
    Page("when", "When did it happen?", fixed(forms.WhenForm), "when-where"),
    Page(
        "time-of-day", "What time of day did it happen?", fixed(forms.TimeOfDayForm), "when-where"
    ),
    Page(
        "still-happening", "Is it still happening?", fixed(forms.StillHappeningForm), "when-where"
    ),
    Page("where", "Where did it happen?", fixed(forms.WhereForm), "when-where"),
    # Its <title> is its question, built from the area's name like its h1.
    Page("district", "Which area did it happen in?", district_form, "when-where"),
    Page(
        "location",
        "Where exactly did it happen?",
        fixed(forms.LocationForm),
        "when-where",
        applies=_not_online,
    ),
    Page(
        "online-place",
        "Which website, app or platform was it on?",
        fixed(forms.OnlinePlaceForm),
        "when-where",
        applies=_online,
    ),
    Page("account", "Tell us what happened", fixed(forms.AccountForm), "what", long_text=True),
    Page(
        "responsible",
        "The person or people responsible",
        responsible_form,
        "people",
        single_question=False,
    ),
    Page(
        "responsible-description",
        "Describe the people responsible",
        fixed(forms.DescriptionForm),
        "people",
        long_text=True,
    ),
    Page("witnesses", "Were there any witnesses?", fixed(forms.WitnessesForm), "people"),
    Page(
        "witness-details",
        "Tell us about the witnesses",
        fixed(forms.WitnessDetailsForm),
        "people",
        applies=_has_witnesses,
        long_text=True,
    ),
    Page("harm", "Hurt, damage or theft", harm_form, "what", long_text=True),
    Page(
        "impact",
        "How it has affected them",
        impact_form,
        "what",
        single_question=False,
        long_text=True,
        title_you="How it has affected you",
    ),
    Page("police", "Have you told the police?", fixed(forms.PoliceForm), "sharing"),
    Page(
        "crime-reference",
        "What is the crime reference number?",
        fixed(forms.CrimeReferenceForm),
        "sharing",
        applies=_told_police,
    ),
    Page("contact", "Do you want us to contact you?", fixed(forms.ContactForm), "sharing"),
    Page(
        "contact-details",
        "How can we contact you?",
        contact_details_form,
        "sharing",
        applies=wants_contact,
    ),
    Page(
        "contact-times",
        "When we call you",
        fixed(forms.ContactTimesForm),
        "sharing",
        applies=_by_phone,
        single_question=False,
    ),
    Page(
        "contact-language",
        "Help to talk to us",
        fixed(forms.LanguageForm),
        "sharing",
        applies=wants_contact,
    ),
    Page(
        "sharing",
        "Who may we share this report with?",
        sharing_form,
        "sharing",
        single_question=False,
    ),
    Page(
        "about",
        "About the person it happened to",
        about_form("about"),
        "about",
        single_question=False,
        title_you="About you",
        anonymity_note=True,
    ),
    Page(
        "about-background",
        "About the person it happened to",
        about_form("about-background"),
        "about",
        single_question=False,
        title_you="About you",
    ),
    Page(
        "about-identity",
        "About the person it happened to",
        about_form("about-identity"),
        "about",
        single_question=False,
        title_you="About you",
    ),
    Page("about-disability", "Disability", about_form("about-disability"), "about"),
]

PAGES_BY_SLUG = {page.slug: page for page in PAGES}
