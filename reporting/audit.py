"""The append-only, keyed hash chain of the audit log (ARCHITECTURE.md §6).

Each entry's hash is an HMAC-SHA256, under a key derived from ``SECRET_KEY`` (never stored in
the database), over its position, its own fields and the previous entry's hash. Someone who can
write to the database but does not hold the key cannot change, insert or delete an entry in the
middle without ``verify_chain`` finding the first break, nor recompute the hashes after an edit.
Deleting the newest entries or emptying the log leaves a shorter valid chain: that shows only
against a head kept elsewhere. So every committed append logs the new head, as a signed
checkpoint, to the ``reporting.audit`` logger, and ``audit checkpoint`` prints one to keep off
the server (see ``audit_check``). Entries say who did what to which subject, never what a
report says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from . import crypto
from .models import AuditEntry

GENESIS = "0" * 64
# Entries written before the chain was keyed (unkeyed SHA-256) until `audit rekey` re-chains
# them; every entry written since is KEYED.
LEGACY, KEYED = 1, 2
# Where a session carries the chain key (set by the sessionmaker in db.py).
KEY_INFO = "reporting.audit_key"
_PENDING_HEAD = "reporting.audit_pending_head"
_CHAIN_LABEL = b"audit-log-chain-v1"
_CHECKPOINT_LABEL = b"audit-log-checkpoint-v1"

log = logging.getLogger("reporting.audit")


class AuditKeyMissing(RuntimeError):
    """The session was not opened by the app's sessionmaker, so it has no chain key."""


class AuditBusy(Exception):
    """The audit log stayed locked by other writers for longer than we wait."""


def chain_key(secret_key: str) -> bytes:
    """The chain's HMAC key, derived from the app's SECRET_KEY with a label of its own."""
    (key,) = crypto.hkdf_split(secret_key.encode(), _CHAIN_LABEL)
    return key


def session_key(db: Session) -> bytes:
    key = db.info.get(KEY_INFO)
    if not isinstance(key, bytes):
        raise AuditKeyMissing("open the session from database(app): it carries the audit key")
    return key


def _entry_time() -> dt.datetime:
    """Now, to the whole second: what every database stores alike, so the chain re-hashes."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _canonical(entry: AuditEntry, *prefix: int) -> bytes:
    """The entry's fields, in a fixed order and encoding, after ``prefix``."""
    fields = [
        *prefix,
        entry.previous_hash,
        entry.occurred_at.isoformat(),
        entry.actor_id,
        entry.action,
        entry.subject,
        entry.details,
    ]
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode()


def legacy_hash(entry: AuditEntry) -> str:
    """The unkeyed SHA-256 written before the chain was keyed (anyone could recompute it)."""
    return hashlib.sha256(_canonical(entry)).hexdigest()


def keyed_hash(key: bytes, entry: AuditEntry) -> str:
    return hmac.new(key, _canonical(entry, KEYED, entry.seq), hashlib.sha256).hexdigest()


def checkpoint_mac(key: bytes, count: int, head: str) -> str:
    (mac_key,) = crypto.hkdf_split(key, _CHECKPOINT_LABEL)
    return hmac.new(mac_key, f"{count}:{head}".encode(), hashlib.sha256).hexdigest()


def checkpoint_line(key: bytes, count: int, head: str) -> str:
    """A head (count and newest hash) signed under the chain key: ``audit-checkpoint:...``."""
    return f"audit-checkpoint:{count}:{head}:{checkpoint_mac(key, count, head)}"


_PG_LOCK = 7306010
_SQLITE_BUSY = 5
_LOCK_ATTEMPTS = 3


def lock_chain(db: Session) -> None:
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
    if dbapi is None or dbapi.in_transaction:
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
    **details: object,
) -> AuditEntry:
    """Append an entry; it commits with the caller's transaction, which holds the log's lock."""
    key = session_key(db)
    lock_chain(db)
    last = db.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = AuditEntry(
        seq=seq,
        version=KEYED,
        occurred_at=_entry_time(),
        actor_id=actor_id,
        action=action,
        subject=subject,
        details=json.dumps(details, sort_keys=True, separators=(",", ":"), default=str),
        previous_hash=previous,
    )
    entry.entry_hash = keyed_hash(key, entry)
    db.add(entry)
    db.flush()
    db.info[_PENDING_HEAD] = checkpoint_line(key, seq, entry.entry_hash)
    return entry


@event.listens_for(Session, "after_commit")
def _log_head(session: Session) -> None:
    """Once an append is committed (never before), log the new head off the database."""
    line = session.info.pop(_PENDING_HEAD, None)
    if line is not None:
        log.info("audit head %s", line)


@event.listens_for(Session, "after_rollback")
def _forget_head(session: Session) -> None:
    session.info.pop(_PENDING_HEAD, None)


def log_heads_to_stderr() -> None:
    """Make sure the heads reach the process's log even if nobody configured logging."""
    log.setLevel(logging.INFO)
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        log.addHandler(handler)


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    reason: str
    # REWRITTEN (an entry's hash does not match), BROKEN (a link), UNKEYED (not yet rekeyed).
    finding: str = "BROKEN"


@dataclass(frozen=True)
class Walk:
    """What walking the chain found: the entries that held, the head, the first break."""

    count: int
    head: str
    chain_break: ChainBreak | None
    # The hash and id of the entry at the position asked for (a checkpoint's count).
    hash_at: str | None = None
    id_at: int | None = None


def entries(db: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    """Every entry in chain order, a batch at a time (detached after each batch)."""
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


def check_entry(key: bytes, entry: AuditEntry, previous: str, position: int) -> ChainBreak | None:
    """Whether ``entry`` is a keyed entry, unchanged, at ``position`` right after ``previous``."""
    if entry.version == LEGACY and position == 1:
        return ChainBreak(
            entry.id,
            "was written before the log was keyed: run `flask --app reporting audit rekey` "
            "once after upgrading (if you already did, the log was rewritten)",
            "UNKEYED",
        )
    if entry.version != KEYED or not hmac.compare_digest(keyed_hash(key, entry), entry.entry_hash):
        return ChainBreak(
            entry.id,
            "its contents were changed after it was written (its hash is not the keyed hash "
            "of its contents)",
            "REWRITTEN",
        )
    if entry.previous_hash != previous or entry.seq != position:
        return ChainBreak(
            entry.id,
            "does not follow the entry before it (an entry was deleted, inserted or reordered)",
        )
    return None


def walk(db: Session, at: int | None = None) -> Walk:
    """Check every entry in order; stop at the first break."""
    key = session_key(db)
    previous, count, hash_at, id_at = GENESIS, 0, None, None
    for entry in entries(db):
        found = check_entry(key, entry, previous, count + 1)
        if found is not None:
            return Walk(count, previous, found, hash_at, id_at)
        previous = entry.entry_hash
        count += 1
        if count == at:
            hash_at, id_at = entry.entry_hash, entry.id
    return Walk(count, previous, None, hash_at, id_at)


def verify_chain(db: Session) -> tuple[int, ChainBreak | None]:
    """Walk the log in order; return how many entries held, and the first break if any."""
    result = walk(db)
    return result.count, result.chain_break
