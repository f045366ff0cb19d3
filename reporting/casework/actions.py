"""Triage (status, assignment) and internal notes: each change writes its audit entry."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import audit, crypto, roles
from ..clock import utcnow
from ..models import Note, Report, ReportStrand, User
from . import CLOSE_REASON_LABELS, STATUS_LABELS, CaseworkError, duplicates

# Where a report may go next. Nothing goes back to "new": it means no officer has looked yet.
# A new report may be closed straight away (a duplicate, or withdrawn before anyone reviewed it),
# but is only referred on after someone has reviewed it. A referral that comes back, and a
# closed report that needs more work, both return to "in review".
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("in-review", "closed"),
    "in-review": ("referred", "closed"),
    "referred": ("in-review", "closed"),
    "closed": ("in-review",),
}

NOTE_MAX = 5_000


class UnknownStatus(CaseworkError):
    """The status is not one of STATUSES."""


class InvalidTransition(CaseworkError):
    """The report cannot go from its status to the one asked for."""

    def __init__(self, current: str, requested: str) -> None:
        super().__init__(f"{current} -> {requested}")
        self.current = current
        self.requested = requested


class CloseReasonRequired(CaseworkError):
    """Closing a report needs a reason from CLOSE_REASONS."""


class StatusChangedMeanwhile(CaseworkError):
    """Someone else changed the status since the officer last saw it."""


class NotAssignable(CaseworkError):
    """The user does not exist, is disabled or is not an officer or admin."""


class InvalidNote(CaseworkError):
    """The note is empty or longer than NOTE_MAX characters."""


# --- Status ----------------------------------------------------------------------------------


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def change_status(
    db: Session,
    report: Report,
    new_status: str,
    *,
    actor_id: int,
    today: dt.date,
    reason: str | None = None,
    expected: str | None = None,
    duplicate_of: str | None = None,
) -> None:
    """Move the report to ``new_status``; closing needs a reason, reopening clears it.

    ``expected`` is the status the officer saw: if someone else changed it since, the change
    is refused rather than applied on top of a decision the officer never saw. Closing as a
    duplicate needs ``duplicate_of``, the other report's reference (``duplicates``'s errors).
    """
    if new_status not in STATUS_LABELS:
        raise UnknownStatus(new_status)
    current, old_reason = report.status, report.closed_reason
    if expected is not None and expected != current:
        raise StatusChangedMeanwhile
    if new_status not in allowed_next(current):
        raise InvalidTransition(current, new_status)
    if new_status == "closed":
        if reason not in CLOSE_REASON_LABELS:
            raise CloseReasonRequired
    else:
        reason = None
    other = (
        duplicates.other_report(db, report, duplicate_of)
        if reason == duplicates.DUPLICATE
        else None
    )
    old_duplicate_of = report.duplicate_of_id
    # Conditional on the status read above: of two officers acting at once, one wins. A report
    # first acted on now stops its first-look clock (kept if it had stopped already).
    result = db.execute(
        update(Report)
        .where(Report.id == report.id, Report.status == current)
        .values(
            status=new_status,
            closed_reason=reason,
            status_changed_on=today,
            first_looked_on=func.coalesce(Report.first_looked_on, today),
            duplicate_of_id=other.id if other else None,
        )
        .execution_options(synchronize_session="fetch")
    )
    if getattr(result, "rowcount", 0) != 1:
        raise StatusChangedMeanwhile
    # The strands' copy of the status (for the strand-filtered list) moves with it.
    db.execute(
        update(ReportStrand).where(ReportStrand.report_id == report.id).values(status=new_status)
    )
    # Both references in the entry when a duplicate link is made or undone; and an entry on
    # the other report, for its history.
    links: dict[str, str] = {}
    if other is not None:
        links["duplicate_of"] = other.reference
        duplicates.record_link(db, report, other.id, actor_id=actor_id, linked=True)
    unlinked = duplicates.record_link(db, report, old_duplicate_of, actor_id=actor_id, linked=False)
    if unlinked is not None:
        links["old_duplicate_of"] = unlinked
    audit.record(
        db,
        "status-changed",
        actor_id=actor_id,
        subject=f"report:{report.reference}",
        old=current,
        new=new_status,
        old_reason=old_reason,
        reason=reason,
        **links,
    )


# --- Assignment ------------------------------------------------------------------------------


def assignable_users(db: Session) -> list[tuple[int, str]]:
    """Officers and admins who can be given a report: (id, name), by name."""
    rows = db.execute(
        select(User.id, User.name)
        .where(User.role.in_(roles.CASEWORK), User.disabled.is_(False))
        .order_by(User.name, User.id)
    )
    return [(user_id, name) for user_id, name in rows]


def assignable_choices(db: Session, report: Report) -> list[tuple[int, str]]:
    """Officers a report can go to, plus its current officer even if no longer active."""
    officers = assignable_users(db)
    if report.assigned_to_id and report.assigned_to_id not in {i for i, _ in officers}:
        current = db.get(User, report.assigned_to_id)
        if current is not None:
            officers.append((current.id, f"{current.name} (no longer active)"))
    return officers


def assign(db: Session, report: Report, user_id: int | None, *, actor_id: int) -> bool:
    """Give the report to ``user_id`` (None: nobody); False if nothing changed."""
    old = report.assigned_to_id
    if old == user_id:
        return False
    if user_id is not None:
        user = db.get(User, user_id)
        if user is None or user.disabled or user.role not in roles.CASEWORK:
            raise NotAssignable(user_id)
    report.assigned_to_id = user_id
    audit.record(
        db,
        "assigned",
        actor_id=actor_id,
        subject=f"report:{report.reference}",
        old=old,
        new=user_id,
    )
    return True


# --- Notes -----------------------------------------------------------------------------------


def note_context(report_id: str, note_id: str) -> bytes:
    """Associated data binding a note's ciphertext to its row and report."""
    return f"report:{report_id}:note:{note_id}:v1".encode()


def add_note(
    db: Session,
    report: Report,
    text: str | None,
    *,
    data_key: bytes,
    author_id: int,
    now: dt.datetime | None = None,
) -> Note:
    """Encrypt and store an officer's note; the audit entry names the note, never its text."""
    text = text.strip() if isinstance(text, str) else ""
    if not text or len(text) > NOTE_MAX:
        raise InvalidNote
    note_id = secrets.token_hex(16)
    note = Note(
        id=note_id,
        report_id=report.id,
        author_id=author_id,
        created_at=now or utcnow(),
        body=crypto.encrypt(data_key, text.encode(), context=note_context(report.id, note_id)),
    )
    db.add(note)
    audit.record(
        db, "note-added", actor_id=author_id, subject=f"report:{report.reference}", note=note_id
    )
    return note
