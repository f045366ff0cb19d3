"""A report's history: a dated list of what happened to it, oldest first.

Built from a small set of sources, each a function ``(db, report) -> events``:

- ``received``: the day the report arrived (``received_on``);
- ``staff_actions``: the audit log's entries naming the report (status changes, assignment,
  notes added, messages sent, duplicate links), each with the officer's name and its time;
- ``reporter_messages``: the reporter's messages (``messages`` rows), to the day only;
- ``reporter_additions`` and ``consent_changes``: what the reporter added and each change of
  what they agree to share, through the receipt (their rows' days).

Reporter actions are never in the audit log (its times have seconds): their sources read the
dated rows, and their events carry a day and no time. Within a day, the events known only to
the day come first (in their sources' order), then the staff's in time order. Reading the
report, or its history, is not an event. Nothing here holds what a note or message says.

To add a source, write one more function returning
``Event``s and add it to ``SOURCES``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEntry, ConsentChange, Message, Report, ReportAddition, User
from ..officer_updates import ChangeView
from . import CLOSE_REASON_LABELS, STATUS_LABELS


@dataclass(frozen=True)
class Event:
    day: dt.date
    # The staff action's time (UTC, to the second); None for what is known only to the day.
    at: dt.datetime | None
    # What happened, in plain words (never what a note or message says).
    what: str
    # The officer who did it (their display name); None for the reporter or the service.
    who: str | None = None
    # A report the event names (a duplicate link), shown as a link after ``what``.
    reference: str | None = None


Source = Callable[[Session, Report], Iterable[Event]]

FORMER_USER = "A former user"


def received(_db: Session, report: Report) -> Iterable[Event]:
    return [Event(report.received_on, None, "Report received")]


def reporter_messages(db: Session, report: Report) -> Iterable[Event]:
    days = db.scalars(
        select(Message.written_on)
        .where(Message.report_id == report.id, Message.author == "reporter")
        .order_by(Message.position)
    )
    return [Event(day, None, "Message from the reporter") for day in days]


def reporter_additions(db: Session, report: Report) -> Iterable[Event]:
    days = db.scalars(
        select(ReportAddition.added_on)
        .where(ReportAddition.report_id == report.id)
        .order_by(ReportAddition.position)
    )
    return [Event(day, None, "Information added by the reporter") for day in days]


def consent_changes(db: Session, report: Report) -> Iterable[Event]:
    rows = db.scalars(
        select(ConsentChange)
        .where(ConsentChange.report_id == report.id)
        .order_by(ConsentChange.position)
    )
    return [
        Event(
            row.changed_on,
            None,
            "The reporter changed what they agree to share: "
            + ChangeView(
                row.changed_on,
                row.police_before,
                row.police_after,
                row.support_before,
                row.support_after,
            ).summary(),
        )
        for row in rows
    ]


def _details(text: str) -> dict[str, Any]:
    try:
        details = json.loads(text)
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


def _status(details: dict[str, Any]) -> tuple[str, str | None]:
    old, new = str(details.get("old")), str(details.get("new"))
    if details.get("duplicate_of"):
        return "Closed as a duplicate of", str(details["duplicate_of"])
    if new == "closed":
        reason = CLOSE_REASON_LABELS.get(str(details.get("reason")))
        return ("Closed: " + reason.lower()) if reason else "Closed", None
    if old == "closed":
        return f"Reopened: status changed to {STATUS_LABELS.get(new, new).lower()}", None
    return (
        f"Status changed from {STATUS_LABELS.get(old, old).lower()} "
        f"to {STATUS_LABELS.get(new, new).lower()}",
        None,
    )


def _assigned(details: dict[str, Any], names: dict[int, str]) -> str:
    new = details.get("new")
    if isinstance(new, int):
        return f"Assigned to {names.get(new, FORMER_USER.lower())}"
    return "Unassigned"


_SIMPLE = {
    "note-added": "Note added",
    "message-sent": "Message sent to the reporter",
    "consent-change-seen": "Saw the reporter's change to what they agree to share",
}
_LINKS = {
    "duplicate-linked": "Report closed as a duplicate of this one:",
    "duplicate-unlinked": "Report reopened, no longer a duplicate of this one:",
}
STAFF_ACTIONS = ("status-changed", "assigned", *_SIMPLE, *_LINKS)


def staff_actions(db: Session, report: Report) -> Iterable[Event]:
    """The audit log's entries on the report (one statement; one more for assignees' names)."""
    rows = db.execute(
        select(AuditEntry.occurred_at, AuditEntry.action, AuditEntry.details, User.name)
        .outerjoin(User, AuditEntry.actor_id == User.id)
        .where(
            AuditEntry.subject == f"report:{report.reference}",
            AuditEntry.action.in_(STAFF_ACTIONS),
        )
        .order_by(AuditEntry.seq)
    ).all()
    parsed = [(at, action, _details(details), name) for at, action, details, name in rows]
    assignees = {
        details["new"]
        for _, action, details, _ in parsed
        if action == "assigned" and isinstance(details.get("new"), int)
    }
    names: dict[int, str] = {}
    if assignees:
        names = dict(db.execute(select(User.id, User.name).where(User.id.in_(assignees))).all())
    events = []
    for at, action, details, name in parsed:
        reference = None
        if action == "status-changed":
            what, reference = _status(details)
        elif action == "assigned":
            what = _assigned(details, names)
        elif action in _LINKS:
            what, reference = _LINKS[action], str(details.get("duplicate") or "") or None
        else:
            what = _SIMPLE[action]
        events.append(Event(at.date(), at, what, name or FORMER_USER, reference))
    return events


SOURCES: tuple[Source, ...] = (
    received,
    reporter_messages,
    reporter_additions,
    consent_changes,
    staff_actions,
)


def history(db: Session, report: Report, sources: Sequence[Source] = SOURCES) -> list[Event]:
    """Every source's events, oldest day first; within a day, day-only events first."""
    events = [event for source in sources for event in source(db, report)]
    # A stable sort: events of the same day and kind keep their source's order.
    return sorted(events, key=lambda e: (e.day, e.at is not None, e.at or dt.datetime.min))
