"""What the review list shows: its filters, counts per status, each report's markers and
first-look clock, and its pages. Rendering only, like pages.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from flask import make_response, render_template, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from ..casework import STATUSES, listing
from .forms import ListFilterForm

# The labels and status tags are the report page's too: one place says how a code reads.
from .pages import TAG_CLASSES, _labels, status_label

SHORT_DATE = "%-d %b %Y"
_TAG = Markup('<strong class="govuk-tag {}">{}</strong>')


def page_numbers(page: int, pages: int, *, around: int = 1) -> Sequence[int | None]:
    """Page numbers to link, None for a gap: 1 … 4 5 6 … 40."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _list_url(args: Mapping[str, str], **changes: str | int | None) -> str:
    merged: dict[str, Any] = {**args, **changes}
    return url_for("review.reports", **{k: v for k, v in merged.items() if v not in (None, "")})


def _pagination(args: Mapping[str, str], result: listing.ReportPage) -> dict[str, Any] | None:
    previous = {"href": _list_url(args, page=result.page - 1)} if result.page > 1 else None
    following = {"href": _list_url(args, page=result.page + 1)} if result.has_next else None
    if result.pages is None:
        # Not counted to the end: Previous and Next only (no "items": GOV.UK's block style).
        if previous is None and following is None:
            return None
        return {"landmarkLabel": "Pages of reports", "previous": previous, "next": following}
    if result.pages <= 1:
        return None
    items: list[dict[str, Any]] = []
    for number in page_numbers(result.page, result.pages):
        if number is None:
            items.append({"ellipsis": True})
        else:
            items.append(
                {
                    "number": f"{number:,}",
                    "visuallyHiddenText": f"Page {number:,}",
                    "href": _list_url(args, page=number),
                    "current": number == result.page,
                }
            )
    return {
        "landmarkLabel": "Pages of reports",
        "previous": previous,
        "next": following,
        "items": items,
    }


def _count_links(
    args: Mapping[str, str], counts: Mapping[str, int], current: str | None
) -> list[dict[str, Any]]:
    """The status table's cells; "more" marks a count that stopped at COUNT_CAP (a lower bound)."""
    capped = {code: listing.is_capped(count) for code, count in counts.items()}
    links = [
        {
            "label": "All",
            "count": sum(min(count, listing.COUNT_CAP) for count in counts.values()),
            "more": any(capped.values()),
            "href": _list_url(args, status=None),
            "current": not current,
        }
    ]
    for code, label in STATUSES:
        links.append(
            {
                "label": label,
                "count": min(counts.get(code, 0), listing.COUNT_CAP),
                "more": capped.get(code, False),
                "href": _list_url(args, status=code),
                "current": current == code,
            }
        )
    return links


# Every marker, most urgent first: (the ListRow flag, its text, its GOV.UK tag colour, what it
# means). Text, not colour alone, says what each is; the list's key reads from here too.
MARKERS = (
    ("in_danger", "Someone was in immediate danger", "govuk-tag--red",
     "The reporter said someone was in immediate danger when they reported it."),
    ("ongoing", "Still happening", "govuk-tag--red",
     "The reporter said it is still happening."),
    ("violent", "Threats or physical attack", "govuk-tag--pink",
     "What happened includes threats or a physical attack."),
    ("overdue", "Overdue", "govuk-tag--orange",
     "Nobody has looked at it and its first look was due before today."),
    ("new_message", "New message", "govuk-tag--green",
     "The reporter has sent a message that no officer has read yet."),
    ("wants_contact", "Wants contact", "govuk-tag--blue",
     "The reporter asked to be contacted, by email or by phone."),
    ("support_requested", "Support requested", "govuk-tag--purple",
     "The reporter asked for support, such as from a victim service."),
    ("new_to_me", "New since you last looked", "govuk-tag--turquoise",
     "It arrived after you last selected \u201cMark all as seen\u201d."),
)  # fmt: skip


def _markers(row: listing.ListRow) -> list[tuple[str, str]]:
    """The row's markers, most urgent first: (text, GOV.UK tag colour class)."""
    return [(text, classes) for flag, text, classes, _ in MARKERS if getattr(row, flag)]


def _first_look(row: listing.ListRow, today: dt.date) -> str | None:
    """The first-look clock in words: when it stopped, or when it is due (None: no clock)."""
    if row.first_looked_on is not None:
        return f"First looked at {row.first_looked_on.strftime(SHORT_DATE)}"
    if row.due_on is None:
        return None
    return "First look due " + ("today" if row.due_on == today else row.due_on.strftime(SHORT_DATE))


def _list_items(result: listing.ReportPage) -> list[dict[str, Any]]:
    """One GOV.UK task list item per report: its reference, its markers, its facts a line each,
    its status.

    Not a table: seven columns do not fit a phone; these lines wrap instead.
    """
    labels = _labels()
    items = []
    for row in result.rows:
        strands = ", ".join(labels["strand"].get(s, s) for s in row.strands) or "none given"
        facts = [
            f"Received {row.received_on.strftime(SHORT_DATE)}",
            _first_look(row, result.today),
            f"District: {labels['district'].get(row.district or '', 'not given')}",
            f"Hate strands: {strands}",
            f"Reported by: {labels['reporter_type'].get(row.reporter_type, row.reporter_type)}",
            f"Assigned to: {row.assigned_to or 'nobody'}",
        ]
        lines = [escape(fact) for fact in facts if fact]
        if markers := _markers(row):
            tags = (_TAG.format(classes, text) for text, classes in markers)
            lines.insert(0, Markup(" ").join(tags))
        items.append(
            {
                "title": {"text": row.reference},
                "href": url_for("review.report", reference=row.reference),
                "hint": {"html": Markup("<br>").join(lines)},
                "status": {
                    "tag": {
                        "text": status_label(row.status),
                        "classes": TAG_CLASSES.get(row.status, ""),
                    }
                },
            }
        )
    return items


def render_list(
    form: ListFilterForm,
    result: listing.ReportPage | None,
    errors: list[dict[str, str]],
    *,
    status: int,
) -> Response:
    args = form.query_args() if not errors else {}
    html = render_template(
        "review/list.html",
        title="Reports",
        form=form,
        result=result,
        errors=errors,
        count_links=_count_links(args, result.counts, form.status.data) if result else [],
        list_items=_list_items(result) if result else [],
        pagination=_pagination(args, result) if result else None,
        first_page=_list_url(args),
        marker_key=[(_TAG.format(classes, text), meaning) for _, text, classes, meaning in MARKERS],
        marks=result.marks if result else None,
        new_only=_list_url({}, seen="new"),
    )
    return make_response(html, status)
