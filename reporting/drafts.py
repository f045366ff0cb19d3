"""Unfinished reports: ciphertext in the database, the key only in the reporter's cookie.

Neither a copy of the database nor a stolen cookie alone reveals an answer (ARCHITECTURE.md §5).
The draft's key is the report's future data key, so sending turns the draft into a report
without re-encrypting it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from . import crypto
from .models import Draft

_DRAFT_ID = re.compile(r"^[0-9a-f]{32}$")


class DraftMissing(Exception):
    """There is no draft cookie: the reporter has not started."""


class DraftExpired(Exception):
    """The cookie names a draft that has expired or was deleted."""


@dataclass(frozen=True)
class DraftCookie:
    draft_id: str
    data_key: bytes

    def value(self) -> str:
        key = base64.urlsafe_b64encode(self.data_key).decode().rstrip("=")
        return f"{self.draft_id}.{key}"

    @classmethod
    def parse(cls, value: str | None) -> DraftCookie | None:
        """Read a cookie; anything malformed counts as no cookie."""
        if not value or "." not in value:
            return None
        draft_id, _, key_text = value.partition(".")
        if not _DRAFT_ID.match(draft_id):
            return None
        try:
            key = base64.urlsafe_b64decode(key_text + "=" * (-len(key_text) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(key) != 32:
            return None
        return cls(draft_id, key)


@dataclass(frozen=True)
class LiveDraft:
    """A draft row as this request read it: the answers' ciphertext and the idle expiry."""

    id: str
    answers: bytes | None
    expires_at: dt.datetime


# Core statements, built once: every journey request runs one or both, and the ORM's identity
# map and unit of work cost more than the queries (a draft is read once a request anyway).
_READ_DRAFT = select(Draft.id, Draft.answers, Draft.expires_at).where(
    Draft.id == bindparam("draft_id")
)
_SAVE_DRAFT = update(Draft).where(Draft.id == bindparam("draft_id"))
_DELETE_DRAFT = delete(Draft).where(Draft.id == bindparam("draft_id"))


def answers_context(report_id: str) -> bytes:
    """Associated data binding the answers' ciphertext to one report (or its draft)."""
    return f"report:{report_id}:answers:v1".encode()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start_draft(db: Session, *, idle_minutes: int, now: dt.datetime | None = None) -> DraftCookie:
    """Create an empty draft and return the cookie that alone can open it."""
    now = now or utcnow()
    cookie = DraftCookie(secrets.token_hex(16), crypto.new_data_key())
    db.add(
        Draft(id=cookie.draft_id, answers=None, expires_at=now + dt.timedelta(minutes=idle_minutes))
    )
    purge_expired(db, now=now)
    return cookie


def _live_drafts(db: Session) -> dict[str, LiveDraft]:
    # Kept for the session, so that a load and then a save in one request read the row once.
    live: dict[str, LiveDraft] = db.info.setdefault("live_drafts", {})
    return live


def _live_draft(db: Session, cookie: DraftCookie, now: dt.datetime) -> LiveDraft:
    live = _live_drafts(db)
    draft = live.get(cookie.draft_id)
    if draft is None:
        if db.new:
            db.flush()  # a draft started in this session: what the ORM's autoflush would do
        row = db.connection().execute(_READ_DRAFT, {"draft_id": cookie.draft_id}).first()
        if row is None:
            raise DraftExpired
        draft = live[cookie.draft_id] = LiveDraft(row.id, row.answers, row.expires_at)
    if draft.expires_at <= now:
        raise DraftExpired
    return draft


def load_answers(
    db: Session, cookie: DraftCookie | None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Decrypt the answers so far."""
    if cookie is None:
        raise DraftMissing
    draft = _live_draft(db, cookie, now or utcnow())
    if draft.answers is None:
        return {}
    try:
        plaintext = crypto.decrypt(
            cookie.data_key, draft.answers, context=answers_context(draft.id)
        )
    except crypto.DecryptionError:
        # A cookie whose key does not open this draft is not this draft's owner.
        raise DraftExpired from None
    answers: dict[str, Any] = json.loads(plaintext)
    return answers


def save_answers(
    db: Session,
    cookie: DraftCookie,
    answers: dict[str, Any],
    *,
    idle_minutes: int,
    now: dt.datetime | None = None,
) -> None:
    """Encrypt and store all answers, and push the idle expiry back."""
    now = now or utcnow()
    draft = _live_draft(db, cookie, now)
    plaintext = json.dumps(answers, separators=(",", ":")).encode()
    saved = LiveDraft(
        draft.id,
        crypto.encrypt(cookie.data_key, plaintext, context=answers_context(draft.id)),
        now + dt.timedelta(minutes=idle_minutes),
    )
    result = db.connection().execute(
        _SAVE_DRAFT,
        {"draft_id": saved.id, "answers": saved.answers, "expires_at": saved.expires_at},
    )
    if result.rowcount != 1:
        # Deleted since it was read (exit or a send in another tab): nothing left to save to.
        _live_drafts(db).pop(saved.id, None)
        raise DraftExpired
    _live_drafts(db)[saved.id] = saved


def delete_draft(db: Session, cookie: DraftCookie | None) -> None:
    if cookie is not None:
        _live_drafts(db).pop(cookie.draft_id, None)
        db.connection().execute(_DELETE_DRAFT, {"draft_id": cookie.draft_id})


def purge_expired(db: Session, *, now: dt.datetime | None = None) -> int:
    """Delete drafts past their idle expiry; returns how many."""
    result = db.execute(delete(Draft).where(Draft.expires_at <= (now or utcnow())))
    return int(getattr(result, "rowcount", 0) or 0)


def take_draft(db: Session, cookie: DraftCookie, now: dt.datetime | None = None) -> LiveDraft:
    """The live draft row, for turning into a report (the caller deletes the row)."""
    draft = _live_draft(db, cookie, now or utcnow())
    _live_drafts(db).pop(draft.id, None)
    return draft
