"""Unfinished reports: ciphertext in the database, the key only in the reporter's cookie.

Neither a copy of the database nor a stolen cookie alone reveals an answer (ARCHITECTURE.md §5).
At send the report gets a fresh id and data key of its own (reports.send_report): the draft's
key never opens anything a review team can read.

Nor does a copy show when its reporter did anything, to finer than a day: the idle expiry is
encrypted with the answers' key (checked, and the draft deleted if it has passed, when the
cookie's holder comes back), and in clear the row holds only ``purge_on``, the UTC day after the
one its expiry falls in, from which ``purge_expired`` deletes it. An abandoned draft's
ciphertext (which nobody can open without the cookie) so stays at most 24 hours past its
expiry, plus the interval of the purge command.

One module near 300 lines: the cookie's format and the row it opens only make sense together.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, false, select, update
from sqlalchemy.orm import Session

from . import cookies, crypto
from .clock import utcnow
from .models import Draft

_DRAFT_ID = re.compile(r"^[0-9a-f]{32}$")
_SENT_SUFFIX = ".sent"
# The cookie's value once the sent state has ended: no id, no key, nothing secret. It only
# tells "this browser sent a report" apart from "this browser never started one".
SENT_MARKER = "sent"


class DraftMissing(Exception):
    """There is no draft cookie: the reporter has not started (raised by the journey)."""


class DraftExpired(Exception):
    """The cookie names a draft that has expired or was deleted."""


class DraftSent(DraftExpired):
    """The cookie names a draft that was sent: its answers are in a report now."""


def is_sent_marker(value: str | None) -> bool:
    return value == SENT_MARKER


@dataclass(frozen=True)
class SentMarker:
    """What the draft cookie holds once the sent state has ended (see SENT_MARKER)."""

    def value(self) -> str:
        return SENT_MARKER


SENT_MARKER_COOKIE = SentMarker()


@dataclass(frozen=True)
class DraftCookie:
    draft_id: str
    data_key: bytes
    # Set once the draft was sent: the key then opens only the sent receipt (see sent.py),
    # and the app knows the report went even after the sent row is gone.
    sent: bool = False

    def value(self) -> str:
        return cookies.join(self.draft_id, self.data_key) + (_SENT_SUFFIX if self.sent else "")

    def as_sent(self) -> DraftCookie:
        return DraftCookie(self.draft_id, self.data_key, sent=True)

    @classmethod
    def parse(cls, value: str | None) -> DraftCookie | None:
        """Read a cookie; anything malformed counts as no cookie."""
        sent = value is not None and value.endswith(_SENT_SUFFIX)
        parts = cookies.split(value[: -len(_SENT_SUFFIX)] if sent and value else value)
        if parts is None or not _DRAFT_ID.match(parts[0]):
            return None
        return cls(parts[0], parts[1], sent)


@dataclass(frozen=True)
class LiveDraft:
    """A draft row as this request read it: the answers' ciphertext and the idle expiry
    (decrypted)."""

    id: str
    answers: bytes | None
    expires_at: dt.datetime


# Core statements, built once: every journey request runs one or both, and the ORM's identity
# map and unit of work cost more than the queries (a draft is read once a request anyway).
_READ_DRAFT = select(Draft.id, Draft.answers, Draft.expiry, Draft.sent).where(
    Draft.id == bindparam("draft_id")
)
# A sent draft is never written to again: a save racing the send finds no row to update.
_SAVE_DRAFT = update(Draft).where(Draft.id == bindparam("draft_id"), Draft.sent == false())
_KEEP_ALIVE = (
    update(Draft)
    .where(Draft.id == bindparam("draft_id"), Draft.sent == false())
    .values(expiry=bindparam("expiry"), purge_on=bindparam("purge_on"))
)
_DELETE_DRAFT = delete(Draft).where(Draft.id == bindparam("draft_id"))


def answers_context(report_id: str) -> bytes:
    """Associated data binding the answers' ciphertext to one report (or its draft)."""
    return f"report:{report_id}:answers:v1".encode()


def _expiry_context(draft_id: str) -> bytes:
    return f"draft:{draft_id}:idle-expiry:v1".encode()


def purge_day(expires_at: dt.datetime) -> dt.date:
    """The UTC day from which a row that ends at ``expires_at`` may be deleted: the next one."""
    return expires_at.date() + dt.timedelta(days=1)


def seal_expiry(cookie: DraftCookie, expires_at: dt.datetime) -> bytes:
    """The precise expiry, under the cookie's key (fixed length: no length tells it apart)."""
    text = expires_at.isoformat(timespec="microseconds").encode()
    return crypto.encrypt(cookie.data_key, text, context=_expiry_context(cookie.draft_id))


def open_expiry(cookie: DraftCookie, sealed: bytes | None) -> dt.datetime | None:
    """The expiry ``seal_expiry`` sealed; None if there is none or the key does not open it."""
    if sealed is None:
        return None
    try:
        text = crypto.decrypt(cookie.data_key, sealed, context=_expiry_context(cookie.draft_id))
    except crypto.DecryptionError:
        return None
    return dt.datetime.fromisoformat(text.decode())


def _expiry_values(cookie: DraftCookie, expires_at: dt.datetime) -> dict[str, Any]:
    return {"expiry": seal_expiry(cookie, expires_at), "purge_on": purge_day(expires_at)}


def start_draft(db: Session, *, idle_minutes: int, now: dt.datetime | None = None) -> DraftCookie:
    """Create an empty draft and return the cookie that alone can open it."""
    now = now or utcnow()
    cookie = DraftCookie(secrets.token_hex(16), crypto.new_data_key())
    expires_at = now + dt.timedelta(minutes=idle_minutes)
    db.add(Draft(id=cookie.draft_id, answers=None, **_expiry_values(cookie, expires_at)))
    purge_expired(db, now=now)
    return cookie


def _live_drafts(db: Session) -> dict[str, LiveDraft]:
    # Kept for the session, so that a load and then a save in one request read the row once.
    live: dict[str, LiveDraft] = db.info.setdefault("live_drafts", {})
    return live


def _live_draft(db: Session, cookie: DraftCookie, now: dt.datetime) -> LiveDraft:
    if cookie.sent:
        raise DraftSent
    live = _live_drafts(db)
    draft = live.get(cookie.draft_id)
    if draft is None:
        if db.new:
            db.flush()  # a draft started in this session: what the ORM's autoflush would do
        row = db.connection().execute(_READ_DRAFT, {"draft_id": cookie.draft_id}).first()
        if row is None:
            raise DraftExpired
        if row.sent:
            raise DraftSent
        expires_at = open_expiry(cookie, row.expiry)
        if expires_at is None:
            # A cookie whose key does not open this draft is not this draft's owner.
            raise DraftExpired
        draft = live[cookie.draft_id] = LiveDraft(row.id, row.answers, expires_at)
    if draft.expires_at <= now:
        # Only the cookie's holder can tell: the row stays until its purge day otherwise.
        live.pop(cookie.draft_id, None)
        db.connection().execute(_DELETE_DRAFT, {"draft_id": cookie.draft_id})
        db.commit()  # the request ends in the "deleted" page, which writes nothing else
        raise DraftExpired
    return draft


def load_answers(
    db: Session, cookie: DraftCookie, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Decrypt the answers so far."""
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
        {"draft_id": saved.id, "answers": saved.answers} | _expiry_values(cookie, saved.expires_at),
    )
    if result.rowcount != 1:
        # Deleted since it was read (exit or a send in another tab): nothing left to save to.
        _live_drafts(db).pop(saved.id, None)
        raise DraftExpired
    _live_drafts(db)[saved.id] = saved


def keep_alive(
    db: Session, cookie: DraftCookie, *, idle_minutes: float, now: dt.datetime | None = None
) -> dt.datetime:
    """Push a live, unsent draft's idle expiry back; the new expiry.

    The draft is read first: only its key can tell whether the expiry has passed (a draft
    that has is refused and deleted, not brought back to life).
    """
    now = now or utcnow()
    draft = _live_draft(db, cookie, now)
    new_expiry = now + dt.timedelta(minutes=idle_minutes)
    result = db.connection().execute(
        _KEEP_ALIVE, {"draft_id": cookie.draft_id} | _expiry_values(cookie, new_expiry)
    )
    if result.rowcount != 1:
        _live_drafts(db).pop(cookie.draft_id, None)
        raise DraftExpired
    _live_drafts(db)[cookie.draft_id] = LiveDraft(draft.id, draft.answers, new_expiry)
    return new_expiry


def seconds_left(db: Session, cookie: DraftCookie | None, now: dt.datetime | None = None) -> int:
    """Seconds until the draft this request loaded expires (0 if it has none)."""
    if cookie is None:
        return 0
    now = now or utcnow()
    try:
        draft = _live_draft(db, cookie, now)
    except DraftExpired:
        return 0
    return max(0, int((draft.expires_at - now).total_seconds()))


def delete_draft(db: Session, cookie: DraftCookie | None) -> None:
    if cookie is not None:
        _live_drafts(db).pop(cookie.draft_id, None)
        db.connection().execute(_DELETE_DRAFT, {"draft_id": cookie.draft_id})


def purge_expired(db: Session, *, now: dt.datetime | None = None) -> int:
    """Delete drafts and sent drafts whose purge day has come; returns how many.

    Their earlier versions (and those of every draft sent or deleted since) leave the SQLite
    WAL when the purge command checkpoints it (cli.purge_drafts_command).
    """
    today = (now or utcnow()).date()
    result = db.execute(delete(Draft).where(Draft.purge_on <= today))
    return int(getattr(result, "rowcount", 0) or 0)


def take_draft(db: Session, cookie: DraftCookie, now: dt.datetime | None = None) -> LiveDraft:
    """The live draft row, for turning into a report (the caller marks the row sent).

    The draft's earlier versions (answers changed or removed) may stay in the SQLite WAL until
    the next purge run empties it: only the cookie's key opens them, never a team key (the
    report is encrypted anew). No checkpoint here: on every send it cost too much throughput
    (benchmarks/README.md).
    """
    draft = _live_draft(db, cookie, now or utcnow())
    _live_drafts(db).pop(draft.id, None)
    return draft
