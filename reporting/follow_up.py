"""Coming back with the receipt: a short split-key session that reads and answers messages.

``open_with_receipt`` derives the receipt's secrets (Argon2id with the pepper, always: a
malformed receipt is derived in place of a fixed dummy one, so a wrong receipt of any kind
takes the time a right one does), finds the report by its lookup id, opens the reporter's
private key with the unlock key and with it the report's data key (sealed to the reporter at
send, or by an officer later for a report sent before messages). Every failure raises the same
``ReceiptNotRecognised``: which one it was is never told.

The session then works like a draft (drafts.py): the row's id is the SHA-256 of a random token,
and everything else (the report's id, its data key, the idle expiry to the microsecond) is
encrypted under a key that only the reporter's cookie holds. In clear the row keeps only its
purge day, the UTC day after the one its expiry falls in. A copy of the database alone opens no
session, names no report, and tells no time finer than a day. A reply refused for its errors is
kept in the same sealed blob (``pending``; other forms' in ``kept``) until it is sent or the
session ends, so that the page after the redirect, and a refresh of it, shows it again. The blob
also holds the one-use token every form on the page carries (a second POST of a form, a double
click, does nothing) and the one confirmation to show once (``notice``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import secrets
from dataclasses import dataclass, field, replace

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from . import cookies, crypto, messages, reports
from .clock import utcnow
from .drafts import purge_day
from .models import ReceiptSession as ReceiptSessionRow
from .models import Report
from .receipt_cookie import ReceiptCookie as ReceiptCookie

# How long a session lasts after the reporter's last request: long enough to read and write
# a reply, short enough that a shared device does not keep it. The default of the
# RECEIPT_IDLE_MINUTES setting, which the views pass in.
IDLE_MINUTES = 20

# Derived in place of a receipt that is not 16 digits, so that it costs the same.
_DUMMY_RECEIPT = "0" * 16
_NO_DATA_KEY = bytes(cookies.KEY_BYTES)  # in place of none: no length tells them apart


class ReceiptNotRecognised(Exception):
    """The receipt is malformed, unknown, or does not open its report: never said which."""


class ReceiptSessionMissing(Exception):
    """There is no receipt session cookie, or it names no session (ended, or never was)."""


class ReceiptSessionExpired(ReceiptSessionMissing):
    """The session's idle time ran out: its row is deleted now (the caller commits)."""


class MessagesUnavailable(Exception):
    """The report was sent before messages, and no officer has opened it since."""


@dataclass(frozen=True)
class ReceiptSession:
    """An open session: which report, and its data key (None: messages not available yet);
    ``pending``, a reply refused for its errors, as typed (None: there is none); ``kept``, the
    same for the other forms (by form); ``form_token``, the one-use token the page's forms
    carry; ``notice``, a confirmation for the next page only."""

    report_id: str
    data_key: bytes | None = field(repr=False)
    expires_at: dt.datetime
    pending: str | None = field(default=None, repr=False)
    kept: dict[str, str] = field(default_factory=dict, repr=False)
    form_token: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)
    notice: str | None = None


@dataclass(frozen=True)
class ReporterPage:
    """What the reporter is shown: never their answers."""

    reference: str
    status: str
    received_on: dt.date
    thread: list[messages.MessageView] | None  # None: messages not available for this report
    looked_at: bool = False  # an officer has opened it (the first-look clock stopped)


def _context(session_id: str) -> bytes:
    return f"receipt-session:{session_id}:v1".encode()


def _seal(cookie: ReceiptCookie, session: ReceiptSession) -> bytes:
    plaintext = json.dumps(
        {
            "report": session.report_id,
            "has_key": "1" if session.data_key is not None else "0",
            "key": base64.b64encode(session.data_key or _NO_DATA_KEY).decode(),
            "until": session.expires_at.isoformat(timespec="microseconds"),
            "pending": session.pending,
            "kept": session.kept,
            "token": session.form_token,
            "notice": session.notice,
        }
    ).encode()
    return crypto.encrypt(cookie.key, plaintext, context=_context(cookie.session_id))


def _open(cookie: ReceiptCookie, sealed: bytes) -> ReceiptSession | None:
    try:
        plaintext = crypto.decrypt(cookie.key, sealed, context=_context(cookie.session_id))
    except crypto.DecryptionError:
        return None
    values = json.loads(plaintext)
    data_key = base64.b64decode(values["key"]) if values["has_key"] == "1" else None
    until = dt.datetime.fromisoformat(values["until"])
    return ReceiptSession(
        values["report"],
        data_key,
        until,
        values.get("pending"),
        values.get("kept") or {},
        values.get("token") or secrets.token_hex(16),
        values.get("notice"),
    )


def _find(db: Session, cookie: ReceiptCookie | None) -> ReceiptSession | None:
    """The cookie's session as sealed, expired or not; None if there is none it opens."""
    if cookie is None:
        return None
    sealed = db.scalar(
        select(ReceiptSessionRow.sealed).where(ReceiptSessionRow.id == cookie.session_id)
    )
    return _open(cookie, sealed) if sealed is not None else None


def _save(db: Session, cookie: ReceiptCookie, session: ReceiptSession) -> None:
    db.execute(
        update(ReceiptSessionRow)
        .where(ReceiptSessionRow.id == cookie.session_id)
        .values(sealed=_seal(cookie, session), purge_on=purge_day(session.expires_at))
    )


def _unlock(report: Report, unlock_key: bytes) -> bytes | None:
    """The report's data key through the reporter's key; None if the report has none yet.

    DecryptionError if the unlock key does not open the reporter's private key.
    """
    private_key = crypto.decrypt(
        unlock_key,
        report.reporter_private_key_encrypted,
        context=reports.reporter_key_context(report.id),
    )
    if report.reporter_data_key is None:
        return None
    return crypto.open_sealed(
        private_key, report.reporter_data_key, context=reports.reporter_data_key_context(report.id)
    )


def open_with_receipt(
    db: Session,
    receipt_text: str,
    *,
    pepper: bytes,
    receipt_kdf: crypto.Argon2Params,
    idle_minutes: int = IDLE_MINUTES,
    now: dt.datetime | None = None,
) -> ReceiptCookie:
    """Open a session on the report this receipt belongs to; the cookie that alone opens it.

    ReceiptNotRecognised for anything else, after the same work (derivation and look-up).
    """
    try:
        digits = crypto.normalise_receipt(receipt_text)
        malformed = False
    except crypto.InvalidReceipt:
        digits, malformed = _DUMMY_RECEIPT, True
    derived = crypto.derive_receipt_secrets(digits, pepper, receipt_kdf)
    report = db.scalar(select(Report).where(Report.receipt_lookup == derived.lookup_id))
    if report is None or malformed:
        raise ReceiptNotRecognised
    try:
        data_key = _unlock(report, derived.unlock_key)
    except crypto.DecryptionError:
        raise ReceiptNotRecognised from None
    now = now or utcnow()
    cookie = ReceiptCookie(secrets.token_hex(16), crypto.new_data_key())
    session = ReceiptSession(report.id, data_key, now + dt.timedelta(minutes=idle_minutes))
    db.add(
        ReceiptSessionRow(
            id=cookie.session_id,
            sealed=_seal(cookie, session),
            purge_on=purge_day(session.expires_at),
        )
    )
    return cookie


def load(
    db: Session,
    cookie: ReceiptCookie | None,
    *,
    idle_minutes: int = IDLE_MINUTES,
    now: dt.datetime | None = None,
) -> ReceiptSession:
    """The cookie's session, its idle expiry pushed back.

    ReceiptSessionMissing if there is none (or the cookie's key does not open it);
    ReceiptSessionExpired, the row deleted, if its idle time has run out.
    """
    session = _find(db, cookie)
    if cookie is None or session is None:
        raise ReceiptSessionMissing
    now = now or utcnow()
    if session.expires_at <= now:
        end(db, cookie)
        raise ReceiptSessionExpired
    session = replace(session, expires_at=now + dt.timedelta(minutes=idle_minutes))
    _save(db, cookie, session)
    return session


def seconds_left(db: Session, cookie: ReceiptCookie | None, now: dt.datetime | None = None) -> int:
    """Seconds until the cookie's session ends (0: none, or ended); its expiry is untouched.

    Only the cookie's key opens the expiry, so only this request can tell its page the time.
    Rounded up: a page's script that reloads when they have passed finds the session ended.
    """
    session = _find(db, cookie)
    if session is None:
        return 0
    return max(0, math.ceil((session.expires_at - (now or utcnow())).total_seconds()))


def use_token(
    db: Session, cookie: ReceiptCookie, session: ReceiptSession, token: str | None
) -> ReceiptSession | None:
    """The session with a fresh form token if ``token`` is its current one; None if not
    (used already, by a double click or Back, or from another session): do nothing then."""
    if not token or not secrets.compare_digest(token.encode(), session.form_token.encode()):
        return None
    return save(db, cookie, replace(session, form_token=secrets.token_hex(16)))


def save(db: Session, cookie: ReceiptCookie, session: ReceiptSession) -> ReceiptSession:
    """Seal ``session`` (its kept text, notice, token) into its row."""
    _save(db, cookie, session)
    return session


def end(db: Session, cookie: ReceiptCookie | None) -> None:
    """Delete the cookie's session (sign out, exit), if it has one."""
    if cookie is not None:
        db.execute(delete(ReceiptSessionRow).where(ReceiptSessionRow.id == cookie.session_id))


def purge_expired(db: Session, today: dt.date | None = None) -> int:
    """Delete sessions whose purge day has come; how many."""
    today = today or utcnow().date()
    result = db.execute(delete(ReceiptSessionRow).where(ReceiptSessionRow.purge_on <= today))
    return int(getattr(result, "rowcount", 0) or 0)


def _report(db: Session, session: ReceiptSession) -> Report:
    report = db.get(Report, session.report_id)
    if report is None:  # deleted since the session opened
        raise ReceiptSessionMissing
    return report


def reporter_page(db: Session, session: ReceiptSession) -> ReporterPage:
    """The report as its reporter sees it; the team's messages shown are marked read."""
    report = _report(db, session)
    thread = None
    if session.data_key is not None:
        thread = messages.thread(db, report, session.data_key)
        messages.mark_read_by_reporter(db, report)
    looked = report.first_looked_on is not None
    return ReporterPage(report.reference, report.status, report.received_on, thread, looked)


def reply(db: Session, session: ReceiptSession, text: str, *, today: dt.date) -> None:
    """Post the reporter's message (never audited: no reporter action is).

    MessagesUnavailable for a report without a data key; messages.EmptyMessage or
    messages.MessageTooLong for the text.
    """
    report = _report(db, session)
    if session.data_key is None:
        raise MessagesUnavailable
    messages.post(db, report, session.data_key, text, author="reporter", today=today)
