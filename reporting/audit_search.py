"""Reading the audit log: newest first, filtered by action and by who did it, a page at a time.

Read-only, like every way into the log (``audit`` writes and checks it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .credentials import normalise_email
from .models import AuditEntry, User

PAGE_SIZE = 50
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    actor_email: str | None  # who did it, if anyone
    subject_email: str | None  # the account a ``user:<id>`` subject names, if it still exists


@dataclass(frozen=True)
class Found:
    total: int = 0
    rows: list[Row] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))


def page_number(asked: int | None) -> int:
    """The page to show for the one asked for: 1 for nonsense, at most ``MAX_PAGE``."""
    return min(max(asked or 1, 1), MAX_PAGE)


def action_names(db: Session) -> list[str]:
    """Every action the log has an entry for, alphabetically."""
    return list(db.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def _subject_emails(db: Session, entries: list[AuditEntry]) -> dict[str, str]:
    """The email behind each ``user:<id>`` subject among ``entries``, in one query."""
    ids = set()
    for entry in entries:
        if entry.subject and entry.subject.startswith("user:") and entry.subject[5:].isdigit():
            ids.add(int(entry.subject[5:]))
    if not ids:
        return {}
    rows = db.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {f"user:{uid}": email for uid, email in rows}


def search(db: Session, *, page: int, action: str | None, actor: str | None) -> Found:
    """Page ``page`` of the entries with ``action`` done by the account ``actor`` (an email
    address), each filter only when given; newest first."""
    query = select(AuditEntry, User.email).outerjoin(User, AuditEntry.actor_id == User.id)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(User.email == normalise_email(actor))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.execute(
        query.order_by(AuditEntry.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    subjects = _subject_emails(db, [entry for entry, _ in rows])
    return Found(
        total,
        [Row(entry, email, subjects.get(entry.subject or "")) for entry, email in rows],
    )
