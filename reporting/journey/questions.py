"""Moving through the journey's pages (which apply, which comes next), and how answers read
back on the check page and the staff view of a report (FORM.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape
from wtforms import Field, RadioField, SelectMultipleField

from .answers import Answers, Settings, voice_of, wants_contact
from .fields import ApproximateDate, choice_pairs
from .pages import PAGES, Page

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
        if not wants_contact(answers):
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
        labels = dict(choice_pairs(form_field))
        return Markup("<br>").join(escape(labels.get(v, v)) for v in value)
    if isinstance(form_field, RadioField):
        label: str = dict(choice_pairs(form_field)).get(value, value)
        return label
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
    settings: Settings,
    answers: Answers,
    change_url: Callable[[str, str], str],
    shown: set[str] | None = None,
) -> list[dict[str, Any]]:
    """The check page's summary cards: a title and rows, each row with a "Change" link.

    ``shown``, if given, collects the names of the fields the rows show.
    """
    sections: dict[str, list[dict[str, Any]]] = {key: [] for key in SECTIONS}
    for page in applicable_pages(answers):
        form = page.make_form(settings, answers)
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
    if voice_of(answers) == "you":
        title["about"] = "About you"
    return [{"title": title[key], "rows": rows} for key, rows in sections.items() if rows]


def summary_rows(
    settings: Settings, answers: Answers, change_url: Callable[[str, str], str]
) -> list[dict[str, Any]]:
    """Every answer as one list of rows (the staff view of a report).

    Answers that no page shows any more (a report sent before the questions changed) follow
    under their field's name, so that nothing a reporter said is hidden from officers.
    """
    shown: set[str] = set()
    sections = summary_sections(settings, answers, change_url, shown)
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
