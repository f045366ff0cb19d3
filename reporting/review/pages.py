"""What the review pages show: built from casework results, rendered with GOV.UK components.

Rendering only: every value comes in as an argument (the views query, record and commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, make_response, render_template, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from ..casework import CLOSE_REASON_LABELS, REPORTER_TYPE_LABELS, STATUS_LABELS
from ..casework.actions import NOTE_MAX, allowed_next
from ..casework.duplicates import DuplicateLinks
from ..casework.history import Event
from ..casework.opening import ClearFacts, OpenedReport
from ..journey.questions import summary_rows
from ..messages import MessageView
from ..officer_updates import OfficerUpdates
from . import bidi, consent
from .action_forms import AssignForm, MessageForm, NoteForm, StatusForm
from .forms import short_label
from .key_facts import key_facts
from .thread import message_context

DATE = "%-d %B %Y"
TAG_CLASSES = {
    "new": "govuk-tag--blue",
    "in-review": "govuk-tag--yellow",
    "referred": "govuk-tag--purple",
    "closed": "govuk-tag--grey",
}


def status_label(code: str) -> str:
    return STATUS_LABELS.get(code, code)


def _labels() -> dict[str, dict[str, str]]:
    config = current_app.config
    return {
        "status": STATUS_LABELS,
        "strand": {code: short_label(text) for code, text in config["HATE_STRANDS"]},
        "district": dict(config["DISTRICTS"]),
        "reporter_type": REPORTER_TYPE_LABELS,
        "tag": TAG_CLASSES,
    }


# --- One report ------------------------------------------------------------------------------


def _reference_links(references: Iterable[str]) -> Markup:
    return Markup("<br>").join(
        Markup('<a class="govuk-link" href="{}">{}</a>').format(
            url_for("review.report", reference=reference), reference
        )
        for reference in references
    )


def _duplicate_rows(links: DuplicateLinks | None) -> list[dict[str, Any]]:
    rows = []
    if links and links.duplicate_of:
        rows.append(
            {
                "key": {"text": "Duplicate of"},
                "value": {"html": _reference_links([links.duplicate_of])},
            }
        )
    if links and links.duplicates:
        rows.append(
            {
                "key": {"text": "Reports closed as duplicates of this one"},
                "value": {"html": _reference_links(links.duplicates)},
            }
        )
    return rows


def _facts(facts: ClearFacts, links: DuplicateLinks | None = None) -> list[dict[str, Any]]:
    """The clear columns, as a summary list: readable without any key."""
    labels = _labels()
    report = facts.report
    status = status_label(report.status)
    if report.status == "closed" and report.closed_reason:
        reason = CLOSE_REASON_LABELS.get(report.closed_reason, report.closed_reason)
        status = f"{status}: {reason.lower()}"
    if report.status_changed_on:
        status = f"{status} (since {report.status_changed_on.strftime(DATE)})"
    strands = Markup("<br>").join(escape(labels["strand"].get(s, s)) for s in facts.strands)
    return [
        {"key": {"text": "Reference"}, "value": {"text": report.reference}},
        {"key": {"text": "Received"}, "value": {"text": report.received_on.strftime(DATE)}},
        {"key": {"text": "Status"}, "value": {"text": status}},
        {
            "key": {"text": "Immediate danger"},
            "value": {
                "text": "Yes: the reporter said someone was in immediate danger"
                if report.in_danger
                else "No"
            },
        },
        {"key": {"text": "Assigned to"}, "value": {"text": facts.assigned_to or "Nobody"}},
        {"key": {"text": "Hate strands"}, "value": {"html": strands or "None given"}},
        {
            "key": {"text": "District"},
            "value": {"text": labels["district"].get(report.district or "", "Not given")},
        },
        {
            "key": {"text": "Reported by"},
            "value": {
                "text": labels["reporter_type"].get(report.reporter_type, report.reporter_type)
            },
        },
        *_duplicate_rows(links),
    ]


def _answer_rows(
    answers: dict[str, Any], withheld: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Every answer laid out as on check-your-answers, without its Change link, and without
    the rows of the ``withheld`` pages (not even as "Not answered")."""
    shown = {slug: value for slug, value in answers.items() if slug not in withheld}
    # Each row's Change link is made from its page's slug: here the link is just the slug.
    rows = summary_rows(current_app.config, shown, lambda slug, _field: slug)
    kept = []
    for row in rows:
        actions = row.pop("actions", None) or {"items": [{}]}
        if actions["items"][0].get("href") not in withheld:
            value = row["value"]
            # escape() leaves Markup as it is and escapes plain text.
            html = escape(value["html"] if "html" in value else value.get("text", ""))
            row["value"] = {"html": bidi.show_direction_controls(html)}
            kept.append(row)
    return kept


def history_days(events: list[Event]) -> list[dict[str, Any]]:
    """The history, a heading per day: each event's time (staff actions only), what, who."""
    days: list[dict[str, Any]] = []
    for event in events:
        day = event.day.strftime(DATE)
        if not days or days[-1]["day"] != day:
            days.append({"day": day, "events": []})
        days[-1]["events"].append(
            {
                "time": event.at.strftime("%H:%M") if event.at else None,
                "what": event.what,
                "who": event.who,
                "reference": event.reference,
            }
        )
    return days


def _report_context(
    opened: OpenedReport,
    withheld: frozenset[str],
    updates: OfficerUpdates | None,
    links: DuplicateLinks | None = None,
) -> dict[str, Any]:
    # What the reporter agrees to share now (a change through the receipt replaces the answer).
    answers = consent.with_current_sharing(opened.answers, opened.report)
    return {
        "report": opened.report,
        "title": f"Report {opened.report.reference}",
        "facts": _facts(opened.facts, links),
        "key_facts": key_facts(opened.report, answers, withheld),
        "answer_rows": _answer_rows(answers, withheld),
        "notes": opened.notes,
        "police_sharing": consent.police_sharing(opened.report),
        "details_withheld": bool(consent.withheld_pages(opened.report)),
        "reporter_updates": updates,
    }


def render_report(
    opened: OpenedReport,
    officers: list[tuple[int, str]],
    thread: list[MessageView],
    *,
    history: list[Event],
    links: DuplicateLinks,
    status_form: StatusForm | None = None,
    assign_form: AssignForm | None = None,
    note_form: NoteForm | None = None,
    message_form: MessageForm | None = None,
    errors: list[dict[str, str]] | None = None,
    status: int | None = None,
    updates: OfficerUpdates | None = None,
) -> Response:
    """The decrypted report, with its actions; ``officers`` are those it can be assigned to."""
    report = opened.report
    status_form = status_form or StatusForm(formdata=None)
    status_form.new_status.choices = [
        (code, status_label(code)) for code in allowed_next(report.status)
    ]
    status_form.expected.data = report.status
    if assign_form is None:
        assign_form = AssignForm(
            formdata=None, data={"assign_to": str(report.assigned_to_id or "none")}
        )
    assign_form.set_officers(officers)
    html = render_template(
        "review/report.html",
        **_report_context(opened, frozenset(), updates, links),
        history=history_days(history),
        errors=errors or [],
        status_form=status_form,
        assign_form=assign_form,
        note_form=note_form or NoteForm(formdata=None),
        note_max=NOTE_MAX,
        **message_context(thread, message_form),
    )
    return make_response(html, status or (400 if errors else 200))


def render_print(
    opened: OpenedReport, links: DuplicateLinks, updates: OfficerUpdates | None = None
) -> Response:
    """The copy that may be handed on: only what the reporter agrees to share now."""
    context = _report_context(opened, consent.withheld_pages(opened.report), updates, links)
    return make_response(render_template("review/print.html", **context, errors=[]), 200)


def render_sealed(facts: ClearFacts, *, has_keys: bool) -> Response:
    html = render_template(
        "review/sealed.html",
        title="You cannot open this report",
        report=facts.report,
        facts=_facts(facts),
        has_keys=has_keys,
    )
    return make_response(html, 403)


def render_not_found() -> Response:
    return make_response(render_template("review/not_found.html", title="Report not found"), 404)
