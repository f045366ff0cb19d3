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
from sqlalchemy.exc import OperationalError
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


class AuditBusy(Exception):
    """The audit log stayed locked by other writers for longer than we wait."""


_PG_LOCK = 7306010
_SQLITE_BUSY = 5
_LOCK_ATTEMPTS = 3


def _lock_chain(db: Session) -> None:
    """Make this transaction the log's only writer until it ends, before it reads the head.

    PostgreSQL: a transaction-scoped advisory lock (READ COMMITTED then reads the newest head).
    SQLite: the database's write lock. pysqlite opens a transaction only just before a write,
    so a connection already in one holds the write lock; otherwise ``BEGIN IMMEDIATE`` takes it
    now. A deferred transaction that read first could not safely become a writer in WAL mode
    (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not wait out); taking the lock before the
    read avoids that. The unique ``seq`` refuses a fork should anything slip past.
    """
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        return
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.dbapi_connection
    if dbapi is None or dbapi.in_transaction:  # type: ignore[attr-defined]
        return
    for attempt in range(1, _LOCK_ATTEMPTS + 1):
        try:
            # Nothing has happened in this transaction yet, so waiting again loses nothing.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as error:
            code = getattr(error.orig, "sqlite_errorcode", None)
            if code != _SQLITE_BUSY or attempt == _LOCK_ATTEMPTS:
                raise AuditBusy("the audit log stayed locked by other writers") from error


def record(
    db: Session,
    action: str,
    *,
    actor_id: int | None = None,
    subject: str | None = None,
    **details: Any,
) -> AuditEntry:
    """Append an entry; it commits with the caller's transaction, which holds the log's lock."""
    _lock_chain(db)
    last = db.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
    occurred_at = utcnow()
    details_json = json.dumps(details, sort_keys=True, separators=(",", ":"), default=str)
    entry = AuditEntry(
        seq=seq,
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
    """Every entry in chain order, a batch at a time."""
    last_seq = 0
    while True:
        rows = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq
        db.expunge_all()


def verify_chain(db: Session) -> tuple[int, ChainBreak | None]:
    """Walk the log in order; return how many entries held, and the first break if any."""
    previous = GENESIS
    count = 0
    for entry in _entries(db):
        if entry.previous_hash != previous or entry.seq != count + 1:
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
