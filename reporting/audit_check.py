"""Checking the audit log against a head kept off the server, and keying an old log.

The database cannot vouch for its own length: whoever can delete its newest entries can delete
the record of how many there were. A checkpoint (count, newest hash, and an HMAC over both under
a key derived from the chain key) is kept elsewhere: logged on every committed append, and
printed by ``audit checkpoint`` for an administrator to store away from the server.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .models import AuditEntry

_CHECKPOINT = re.compile(r"audit-checkpoint:(\d{1,18}):([0-9a-f]{64}):([0-9a-f]{64})")


class InvalidCheckpoint(ValueError):
    """The text holds no checkpoint, or one this instance's key did not sign."""


class LegacyChainBroken(Exception):
    """The log written before the chain was keyed does not verify; rekeying would hide that."""

    def __init__(self, chain_break: audit.ChainBreak) -> None:
        super().__init__(f"entry {chain_break.entry_id} {chain_break.reason}")
        self.chain_break = chain_break


@dataclass(frozen=True)
class Checkpoint:
    count: int
    head: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str


def current_checkpoint(db: Session) -> str:
    """The signed checkpoint of the log as it is now (the caller verifies it first)."""
    last = db.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    count, head = (last[0], last[1]) if last else (0, audit.GENESIS)
    return audit.checkpoint_line(audit.session_key(db), count, head)


def parse_checkpoint(db: Session, text: str) -> Checkpoint:
    """Find the checkpoint in ``text`` (a line of the app's log will do) and check its HMAC."""
    found = _CHECKPOINT.search(text)
    if found is None:
        raise InvalidCheckpoint("no audit-checkpoint:<count>:<hash>:<mac> in the text given")
    count, head, mac = int(found[1]), found[2], found[3]
    if not hmac.compare_digest(audit.checkpoint_mac(audit.session_key(db), count, head), mac):
        raise InvalidCheckpoint(
            "this checkpoint was not signed with this instance's key (another instance, a "
            "changed SECRET_KEY, or a mistyped line)"
        )
    return Checkpoint(count, head)


def verify(db: Session, checkpoint: Checkpoint | None = None) -> Verdict:
    """Walk the chain, then compare it with the checkpoint; say exactly what was found."""
    result = audit.walk(db, at=checkpoint.count if checkpoint else None)
    if result.chain_break is not None:
        found = result.chain_break
        return Verdict(False, f"{found.finding} at entry {found.entry_id}: {found.reason}")
    if checkpoint is None:
        return Verdict(
            True,
            f"OK: {result.count} entries\n(Without a checkpoint, deleting the newest entries "
            "or emptying the log cannot be seen: give --checkpoint.)",
        )
    said = f"the checkpoint says {checkpoint.count} entries"
    if result.count == 0 and checkpoint.count > 0:
        return Verdict(False, f"EMPTIED: {said}, the log has none")
    if result.count < checkpoint.count:
        return Verdict(False, f"TRUNCATED: {said}, the log has {result.count}")
    expected = result.hash_at if checkpoint.count else audit.GENESIS
    if expected != checkpoint.head:
        return Verdict(
            False,
            f"REWRITTEN at entry {result.id_at}: the chain holds, but its entry "
            f"{checkpoint.count} is not the one the checkpoint recorded (rewritten by someone "
            "holding the key)",
        )
    return Verdict(
        True, f"OK: {result.count} entries, matches the checkpoint of {checkpoint.count}"
    )


def rekey(db: Session, *, accept_break: bool = False) -> int:
    """Re-chain, under the key, a log written before it was keyed; return how many entries.

    The old unkeyed chain is verified first (as SHA-256, and any keyed entries appended since
    the upgrade as keyed), so tampering from before cannot be silently blessed: a break raises
    LegacyChainBroken unless ``accept_break``, and is then recorded in the new chain. Runs in
    one transaction holding the log's lock; the caller commits.
    """
    key = audit.session_key(db)
    audit.lock_chain(db)
    legacy = 0
    found: audit.ChainBreak | None = None
    previous = audit.GENESIS
    for position, entry in enumerate(audit.entries(db), start=1):
        if entry.version == audit.LEGACY:
            legacy += 1
            intact = audit.legacy_hash(entry) == entry.entry_hash
            if found is None and (not intact or entry.previous_hash != previous):
                found = audit.ChainBreak(entry.id, "did not verify in the unkeyed chain")
        elif found is None:
            found = audit.check_entry(key, entry, previous, position)
        previous = entry.entry_hash
    if legacy == 0:
        return 0
    if found is not None and not accept_break:
        raise LegacyChainBroken(found)
    previous, count, last_seq = audit.GENESIS, 0, 0
    while True:
        rows = db.scalars(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(500)
        ).all()
        if not rows:
            break
        for entry in rows:
            count += 1
            entry.version, entry.previous_hash = audit.KEYED, previous
            entry.entry_hash = audit.keyed_hash(key, entry)
            previous = entry.entry_hash
        db.flush()
        last_seq = rows[-1].seq
        db.expunge_all()
    if found is None:
        audit.record(db, "audit-rekeyed", entries=count, unkeyed=legacy)
    else:
        accepted = f"entry {found.entry_id} {found.reason}"
        audit.record(db, "audit-rekeyed", entries=count, unkeyed=legacy, accepted_break=accepted)
    return count
