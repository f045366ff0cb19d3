"""The order of the journey's pages, which apply, and how answers read back (FORM.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from wtforms import Field, RadioField, SelectMultipleField

from . import forms
from .fields import ApproximateDate, JourneyForm

Answers = Mapping[str, Mapping[str, Any]]
FormFactory = Callable[[Mapping[str, Any], Answers], type[JourneyForm]]

# Answers kept with the draft that are not answers: what was typed on a page that had errors,
# shown again by the page's GET (POST-redirect-GET also after an error). Never sent.
PENDING = "_pending"

# The check page's summary cards, in order.
SECTIONS = {
    "what": "What happened",
    "when-where": "When and where",
    "people": "People",
    "sharing": "Sharing and contact",
    "about": "About the person it happened to",
}


def _always(_answers: Answers) -> bool:
    return True


def _answer(answers: Answers, slug: str, name: str) -> Any:
    return answers.get(slug, {}).get(name)


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
        config: Mapping[str, Any],
        answers: Answers,
        formdata: MultiDict[str, str] | None = None,
    ) -> JourneyForm:
        form_class = self.form(config, answers)
        if formdata is not None:
            return form_class(formdata=formdata)
        saved = answers.get(self.slug)
        return form_class(formdata=None, data=dict(saved) if saved else None)

    def heading(self, answers: Answers) -> str:
        if self.title_you and forms.voice_of(answers) == "you":
            return self.title_you
        return self.title


def _online(answers: Answers) -> bool:
    return _answer(answers, "where", "place_type") == "online"


def _not_online(answers: Answers) -> bool:
    return not _online(answers)


def _has_witnesses(answers: Answers) -> bool:
    return _answer(answers, "witnesses", "witnesses") == "yes"


def _told_police(answers: Answers) -> bool:
    return _answer(answers, "police", "told_police") == "yes"


def _by_phone(answers: Answers) -> bool:
    return _answer(answers, "contact", "contact") == "phone"


_fixed = forms.FIXED
PAGES: list[Page] = [
    Page("danger", "Is anyone in immediate danger?", _fixed["danger"], "what"),
    Page("reporting-as", "Who are you reporting as?", _fixed["reporting-as"], "people"),
    Page("what-happened", "What happened?", _fixed["what-happened"], "what"),
    Page("why", "Why do you think it happened?", forms.strands_form, "what"),
    Page(
        "why-details",
        "What made you think that?",
        _fixed["why-details"],
        "what",
        anonymity_note=True,
        long_text=True,
    ),
    Page("when", "When did it happen?", _fixed["when"], "when-where"),
    Page("time-of-day", "What time of day did it happen?", _fixed["time-of-day"], "when-where"),
    Page("still-happening", "Is it still happening?", _fixed["still-happening"], "when-where"),
    Page("where", "Where did it happen?", _fixed["where"], "when-where"),
    # Its <title> is its question, built from the area's name like its h1.
    Page("district", "Which area did it happen in?", forms.district_form, "when-where"),
    Page(
        "location",
        "Where exactly did it happen?",
        _fixed["location"],
        "when-where",
        applies=_not_online,
    ),
    Page(
        "online-place",
        "Which website, app or platform was it on?",
        _fixed["online-place"],
        "when-where",
        applies=_online,
    ),
    Page("account", "Tell us what happened", _fixed["account"], "what", long_text=True),
    Page(
        "responsible",
        "The person or people responsible",
        forms.responsible_form,
        "people",
        single_question=False,
    ),
    Page(
        "responsible-description",
        "Describe the people responsible",
        _fixed["responsible-description"],
        "people",
        long_text=True,
    ),
    Page("witnesses", "Were there any witnesses?", _fixed["witnesses"], "people"),
    Page(
        "witness-details",
        "Tell us about the witnesses",
        _fixed["witness-details"],
        "people",
        applies=_has_witnesses,
        long_text=True,
    ),
    Page("harm", "Hurt, damage or theft", forms.harm_form, "what", long_text=True),
    Page(
        "impact",
        "How it has affected them",
        forms.impact_form,
        "what",
        single_question=False,
        long_text=True,
        title_you="How it has affected you",
    ),
    Page("police", "Have you told the police?", _fixed["police"], "sharing"),
    Page(
        "crime-reference",
        "What is the crime reference number?",
        _fixed["crime-reference"],
        "sharing",
        applies=_told_police,
    ),
    Page("contact", "Do you want us to contact you?", _fixed["contact"], "sharing"),
    Page(
        "contact-details",
        "How can we contact you?",
        forms.contact_details_form,
        "sharing",
        applies=forms.wants_contact,
    ),
    Page(
        "contact-times",
        "When we call you",
        _fixed["contact-times"],
        "sharing",
        applies=_by_phone,
        single_question=False,
    ),
    Page(
        "contact-language",
        "Help to talk to us",
        _fixed["contact-language"],
        "sharing",
        applies=forms.wants_contact,
    ),
    Page(
        "sharing",
        "Who may we share this report with?",
        forms.sharing_form,
        "sharing",
        single_question=False,
    ),
    Page(
        "about",
        "About the person it happened to",
        forms.about_form("about"),
        "about",
        single_question=False,
        title_you="About you",
        anonymity_note=True,
    ),
    Page(
        "about-background",
        "About the person it happened to",
        forms.about_form("about-background"),
        "about",
        single_question=False,
        title_you="About you",
    ),
    Page(
        "about-identity",
        "About the person it happened to",
        forms.about_form("about-identity"),
        "about",
        single_question=False,
        title_you="About you",
    ),
    Page("about-disability", "Disability", forms.about_form("about-disability"), "about"),
]

PAGES_BY_SLUG = {page.slug: page for page in PAGES}
_ORDER = {page.slug: index for index, page in enumerate(PAGES)}


def position(page: Page) -> int:
    return _ORDER[page.slug]


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


def _still_valid(answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers that a changed answer made wrong, so that their page is asked again."""
    sharing = answers.get("sharing")
    if sharing and sharing.get("share_with_police") == "with-details":
        if not forms.wants_contact(answers):
            answers = {k: v for k, v in answers.items() if k != "sharing"}
    return answers


def clean_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers to pages that no longer apply (contact details after choosing "no")."""
    answers = _still_valid(answers)
    applicable = {page.slug for page in applicable_pages(answers)}
    pending = {slug: data for slug, data in answers.get(PENDING, {}).items() if slug in applicable}
    kept = {slug: value for slug, value in answers.items() if slug in applicable}
    if pending:
        kept[PENDING] = pending
    return kept


def without_pending(answers: dict[str, Any]) -> dict[str, Any]:
    return {slug: value for slug, value in answers.items() if slug != PENDING}


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
    if isinstance(form_field, ApproximateDate):
        return format_date(value)
    return Markup("<br>").join(escape(line) for line in str(value).splitlines())


def _saved(answers: Answers, slug: str, name: str) -> Any:
    """An answer by its page, or under any page (reports sent before a page was split)."""
    saved = answers.get(slug, {})
    if name in saved:
        return saved[name]
    for other_slug, values in answers.items():
        if other_slug != PENDING and isinstance(values, Mapping) and name in values:
            return values[name]
    return None


def summary_sections(
    config: Mapping[str, Any],
    answers: Answers,
    change_url: Callable[[str, str], str],
    shown: set[str] | None = None,
) -> list[dict[str, Any]]:
    """The check page's summary cards: a title and rows, each row with a "Change" link.

    ``shown``, if given, collects the names of the fields the rows show.
    """
    sections: dict[str, list[dict[str, Any]]] = {key: [] for key in SECTIONS}
    for page in applicable_pages(answers):
        form = page.make_form(config, answers)
        for form_field in form.answer_fields():
            if shown is not None:
                shown.add(form_field.name)
            label = str(form_field.label.text).removesuffix(" (optional)")
            value = display_value(form_field, _saved(answers, page.slug, form_field.name))
            sections[page.section].append(
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
    title = dict(SECTIONS)
    if forms.voice_of(answers) == "you":
        title["about"] = "About you"
    return [{"title": title[key], "rows": rows} for key, rows in sections.items() if rows]


def summary_rows(
    config: Mapping[str, Any], answers: Answers, change_url: Callable[[str, str], str]
) -> list[dict[str, Any]]:
    """Every answer as one list of rows (the staff view of a report).

    Answers that no page shows any more (a report sent before the questions changed) follow
    under their field's name, so that nothing a reporter said is hidden from officers.
    """
    shown: set[str] = set()
    sections = summary_sections(config, answers, change_url, shown)
    rows = [row for section in sections for row in section["rows"]]
    for slug, values in answers.items():
        if slug == PENDING or not isinstance(values, Mapping):
            continue
        for name, value in values.items():
            if name not in shown and value not in (None, "", []):
                text = value if isinstance(value, str) else ", ".join(map(str, value))
                rows.append(
                    {
                        "key": {"text": name.replace("_", " ").capitalize()},
                        "value": {"html": Markup("<br>").join(map(escape, text.splitlines()))},
                    }
                )
    return rows
