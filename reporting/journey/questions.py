"""The order of the journey's pages, which apply, and how answers read back (FORM.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from wtforms import Field, RadioField, SelectMultipleField

from . import forms

Answers = Mapping[str, Mapping[str, Any]]
FormFactory = Callable[[Mapping[str, Any]], type[forms.JourneyForm]]


def _always(_answers: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Page:
    """One question page of the journey."""

    slug: str
    title: str
    form: FormFactory
    applies: Callable[[Answers], bool] = _always
    # Pages with one question use its label as the h1; others get ``title`` as the h1.
    single_question: bool = True
    anonymity_note: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def make_form(
        self,
        config: Mapping[str, Any],
        answers: Answers,
        formdata: MultiDict[str, str] | None = None,
    ) -> forms.JourneyForm:
        form_class = self.form(config)
        kwargs: dict[str, Any] = {}
        if form_class is forms.ContactDetailsForm:
            kwargs["method"] = answers.get("contact", {}).get("contact", "email")
        saved = answers.get(self.slug)
        if formdata is not None:
            return form_class(formdata=formdata, **kwargs)
        return form_class(formdata=None, data=dict(saved) if saved else None, **kwargs)


def _fixed(form_class: type[forms.JourneyForm]) -> FormFactory:
    return lambda _config: form_class


def _wants_contact(answers: Answers) -> bool:
    return answers.get("contact", {}).get("contact") in ("email", "phone")


PAGES: list[Page] = [
    Page("danger", "Is anyone in immediate danger?", _fixed(forms.DangerForm)),
    Page("reporting-as", "Who are you reporting as?", _fixed(forms.ReportingAsForm)),
    Page("what-happened", "What happened?", _fixed(forms.WhatHappenedForm)),
    Page(
        "why",
        "Why do you think it happened?",
        lambda config: forms.strands_form(config["HATE_STRANDS"]),
    ),
    Page(
        "why-details",
        "What made you think that?",
        _fixed(forms.WhyDetailsForm),
        anonymity_note=True,
    ),
    Page("when", "When did it happen?", _fixed(forms.WhenForm)),
    Page("time-of-day", "What time of day did it happen?", _fixed(forms.TimeOfDayForm)),
    Page("still-happening", "Is it still happening?", _fixed(forms.StillHappeningForm)),
    Page("where", "Where did it happen?", _fixed(forms.WhereForm)),
    Page(
        "district",
        "Which area did it happen in?",
        lambda config: forms.district_form(config["DISTRICTS"], config["AREA_NAME"]),
    ),
    Page(
        "location",
        "Where exactly did it happen?",
        _fixed(forms.LocationForm),
        single_question=False,
        anonymity_note=True,
    ),
    Page("account", "Tell us what happened", _fixed(forms.AccountForm)),
    Page(
        "responsible",
        "The person or people responsible",
        _fixed(forms.ResponsibleForm),
        single_question=False,
    ),
    Page("witnesses", "Witnesses", _fixed(forms.WitnessesForm), single_question=False),
    Page("harm", "Were you hurt, or was anything damaged or taken?", _fixed(forms.HarmForm)),
    Page("impact", "How it has affected you", _fixed(forms.ImpactForm), single_question=False),
    Page("police", "Telling the police", _fixed(forms.PoliceForm), single_question=False),
    Page(
        "sharing",
        "Who may we share this report with?",
        _fixed(forms.SharingForm),
        single_question=False,
    ),
    Page("contact", "Do you want us to contact you?", _fixed(forms.ContactForm)),
    Page(
        "contact-details",
        "How can we contact you?",
        _fixed(forms.ContactDetailsForm),
        applies=_wants_contact,
        single_question=False,
    ),
    Page(
        "about", "About the person it happened to", _fixed(forms.AboutForm), single_question=False
    ),
]

PAGES_BY_SLUG = {page.slug: page for page in PAGES}


def applicable_pages(answers: Answers) -> list[Page]:
    return [page for page in PAGES if page.applies(answers)]


def first_unanswered(answers: Answers) -> Page | None:
    """The first page still to answer, or None when the report is ready to check."""
    for page in applicable_pages(answers):
        if page.slug not in answers:
            return page
    return None


def page_after(slug: str, answers: Answers) -> Page | None:
    pages = applicable_pages(answers)
    slugs = [page.slug for page in pages]
    if slug not in slugs:
        return first_unanswered(answers)
    index = slugs.index(slug)
    return pages[index + 1] if index + 1 < len(pages) else None


def page_before(slug: str, answers: Answers) -> Page | None:
    pages = applicable_pages(answers)
    slugs = [page.slug for page in pages]
    if slug not in slugs:
        return None
    index = slugs.index(slug)
    return pages[index - 1] if index > 0 else None


def clean_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers to pages that no longer apply (contact details after choosing "no")."""
    applicable = {page.slug for page in applicable_pages(answers)}
    return {slug: value for slug, value in answers.items() if slug in applicable}


def format_date(value: str) -> str:
    parts = value.split("-")
    if len(parts) == 3:
        return dt.date.fromisoformat(value).strftime("%-d %B %Y")
    return dt.date(int(parts[0]), int(parts[1]), 1).strftime("%B %Y")


def display_value(form_field: Field, value: Any) -> Markup | str:
    """How an answer reads on the check-your-answers page."""
    if value in (None, "", []):
        return "Not answered"
    if isinstance(form_field, SelectMultipleField):
        labels = dict(form_field.choices or [])
        return Markup("<br>").join(escape(labels.get(v, v)) for v in value)
    if isinstance(form_field, RadioField):
        return dict(form_field.choices or []).get(value, value)  # type: ignore[arg-type]
    if isinstance(form_field, forms.ApproximateDate):
        return format_date(value)
    return Markup("<br>").join(escape(line) for line in str(value).splitlines())


def summary_rows(
    config: Mapping[str, Any], answers: Answers, change_url: Callable[[str, str], str]
) -> list[dict[str, Any]]:
    """Rows for the GOV.UK summary list: one a question, each with a "Change" link."""
    rows = []
    for page in applicable_pages(answers):
        saved = answers.get(page.slug, {})
        form = page.make_form(config, answers)
        for form_field in form.answer_fields():
            label = str(form_field.label.text).removesuffix(" (optional)")
            if page.slug == "contact-details" and form_field.name in ("email", "phone"):
                if form.method != form_field.name:  # type: ignore[attr-defined]
                    continue
            value = display_value(form_field, saved.get(form_field.name))
            rows.append(
                {
                    "key": {"text": label},
                    "value": {"html": escape(value) if not isinstance(value, Markup) else value},
                    "actions": {
                        "items": [
                            {
                                "href": change_url(page.slug, form_field.id),
                                "text": "Change",
                                "visuallyHiddenText": label.lower(),
                            }
                        ]
                    },
                }
            )
    return rows
