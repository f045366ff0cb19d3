"""The append-only, hash-chained audit log (ARCHITECTURE.md §6).

Each entry's hash covers its own fields and the previous entry's hash, so editing, deleting or
inserting a row anywhere breaks every link after it; ``verify_chain`` finds the first break.
Entries say who did what to which subject, never what a report says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import AuditEntry

GENESIS = "0" * 64


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _entry_hash(
    previous_hash: str,
    occurred_at: dt.datetime,
    actor_id: int | None,
    action: str,
    subject: str | None,
    details: str,
) -> str:
    canonical = json.dumps(
        [previous_hash, occurred_at.isoformat(), actor_id, action, subject, details],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    db: Session,
    action: str,
    *,
    actor_id: int | None = None,
    subject: str | None = None,
    **details: Any,
) -> AuditEntry:
    """Append an entry; it commits with the caller's transaction."""
    if db.get_bind().dialect.name == "postgresql":
        # Two writers must not both chain onto the same last entry.
        db.execute(text("SELECT pg_advisory_xact_lock(7306010)"))
    last = db.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    previous = last or GENESIS
    occurred_at = utcnow()
    details_json = json.dumps(details, sort_keys=True, separators=(",", ":"), default=str)
    entry = AuditEntry(
        occurred_at=occurred_at,
        actor_id=actor_id,
        action=action,
        subject=subject,
        details=details_json,
        previous_hash=previous,
        entry_hash=_entry_hash(previous, occurred_at, actor_id, action, subject, details_json),
    )
    db.add(entry)
    db.flush()
    return entry


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    reason: str


def _entries(db: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    last_id = 0
    while True:
        rows = db.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        db.expunge_all()


def verify_chain(db: Session) -> tuple[int, ChainBreak | None]:
    """Walk the log in order; return how many entries held, and the first break if any."""
    previous = GENESIS
    count = 0
    for entry in _entries(db):
        if entry.previous_hash != previous:
            return count, ChainBreak(
                entry.id,
                "does not follow the entry before it (an entry was deleted, inserted or reordered)",
            )
        expected = _entry_hash(
            entry.previous_hash,
            entry.occurred_at,
            entry.actor_id,
            entry.action,
            entry.subject,
            entry.details,
        )
        if expected != entry.entry_hash:
            return count, ChainBreak(entry.id, "its contents were changed after it was written")
        previous = entry.entry_hash
        count += 1
    return count, None
