"""What the review list shows: its filters, counts per status, each report's markers and
first-look clock, and its pages. Rendering only, like pages.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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
    for number in listing.page_numbers(result.page, result.pages):
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


def _markers(row: listing.ListRow) -> list[tuple[str, str]]:
    """The row's markers, most urgent first: (text, GOV.UK tag colour class)."""
    markers = []
    if row.in_danger:
        markers.append(("Someone was in immediate danger", "govuk-tag--red"))
    if row.overdue:
        markers.append(("Overdue", "govuk-tag--orange"))
    if row.new_message:
        markers.append(("New message", "govuk-tag--green"))
    return markers


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
    )
    return make_response(html, status)
