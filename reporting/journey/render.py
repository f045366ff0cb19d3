"""A question page as GOV.UK macros draw it: its fields' parameters, title, Back link and form."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, make_response, render_template, url_for
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovTextArea,
)

from .. import govuk
from . import draft
from .answers import Answers
from .choices import ANONYMITY_HINT, EXCLUSIVE_CHOICES, choice_hints
from .fields import ACCOUNT_MAX, JourneyForm, choice_pairs
from .pages import Page
from .questions import page_before


def question_url(page: Page | None, *, change: bool = False) -> str:
    """A page's address (the check page's once none is left), perhaps as a change from it."""
    if page is None:
        return url_for("journey.check")
    if change:
        return url_for("journey.question", slug=page.slug, change="1")
    return url_for("journey.question", slug=page.slug)


def field_params(page: Page, form: JourneyForm, answers: Answers) -> dict[str, dict[str, Any]]:
    """GOV.UK macro parameters for each field: the h1 on one-question pages, sizes, hints."""
    params: dict[str, dict[str, Any]] = {}
    for form_field in form.answer_fields():
        is_group = isinstance(form_field.widget, (GovRadioInput, GovCheckboxesInput, GovDateInput))
        size = "l" if page.single_question else "m"
        label: dict[str, Any] = {"text": form_field.label.text}
        if page.single_question:
            label["isPageHeading"] = True
        p: dict[str, Any]
        if is_group:
            label["classes"] = f"govuk-fieldset__legend--{size}"
            p = {"fieldset": {"legend": label}}
        else:
            label["classes"] = f"govuk-label--{size if page.single_question else 's'}"
            p = {"label": label}
        if not form_field.description:
            p["hint"] = None  # else an empty hint is rendered and pointed at
        hints: dict[str, str] | None = (
            current_app.config["DISTRICT_HINTS"]
            if form_field.name == "district"
            else choice_hints(form_field.name, answers)
        )
        exclusive = EXCLUSIVE_CHOICES.get(form_field.name)
        if hints or exclusive:
            items: list[dict[str, Any]] = []
            for value, _label in choice_pairs(form_field):
                item: dict[str, Any] = {}
                if hints and value in hints:
                    item["hint"] = {"text": hints[value]}
                if value == exclusive:
                    item["behaviour"] = "exclusive"
                items.append(item)
            p["items"] = items
        if isinstance(form_field.widget, GovCharacterCount):
            p["maxlength"] = ACCOUNT_MAX
            p["rows"] = 10
        elif isinstance(form_field.widget, GovTextArea):
            p["rows"] = 5
        if form_field.name == "email":
            p.update({"type": "email", "autocomplete": "email", "spellcheck": False})
        elif form_field.name == "phone":
            p.update({"type": "tel", "autocomplete": "tel", "classes": "govuk-input--width-20"})
        params[form_field.name] = p
    return params


def _page_title(page: Page, form: JourneyForm, answers: Answers) -> str:
    """The <title>: a one-question page's question, else the page's h1."""
    if page.single_question:
        return str(form.answer_fields()[0].label.text).removesuffix(" (optional)")
    return page.heading(answers)


def render_question(
    page: Page,
    form: JourneyForm,
    answers: Answers,
    *,
    changing: bool,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    previous = page_before(page.slug, answers)
    back = (
        url_for("journey.check")
        if changing
        else (question_url(previous) if previous else url_for("journey.index"))
    )
    html = render_template(
        "journey/question.html",
        page=page,
        heading=page.heading(answers),
        form=form,
        title=_page_title(page, form, answers),
        params=field_params(page, form, answers),
        errors=govuk.error_summary(form.answer_fields()),
        back_url=back,
        action=question_url(page, change=changing),
        notice=notice,
        anonymity_hint=ANONYMITY_HINT,
        kept_minutes=draft.idle_minutes() if page.long_text else None,
    )
    return make_response(html, status)
