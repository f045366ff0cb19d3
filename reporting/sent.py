"""The short-lived "sent" state of a draft: the receipt shown again, only to its sender.

Sending turns the draft row, in one conditional UPDATE, into a sent row: its answers go (they
are in the report now) and it holds the reference and receipt for ``SENT_MINUTES``, encrypted
under a key derived (HKDF, a purpose label of its own) from the key in the reporter's draft
cookie. A refresh, Back or a second click on "Send report" then shows the same receipt again,
and a second send finds the row already sent and creates nothing. Neither a copy of the
database nor the cookie alone reveals the receipt. The state ends when the reporter confirms
they have the receipt, skips that, leaves with "Exit this page", or it expires; the row is
then deleted (by ``drafts.purge_expired`` for the last).

When the state ends is encrypted with the receipt: in clear the row holds only its purge day
(``drafts.purge_day``), so a copy of the database does not show when the report was sent.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import unicodedata
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Connection, bindparam, false, select, update
from sqlalchemy.orm import Session

from . import crypto
from .clock import utcnow
from .drafts import DraftCookie, delete_draft, purge_day
from .models import Draft

# How long the receipt can be shown again after sending: long enough to write it down, print
# it or come back to it after a slow network, short enough that a shared device forgets it.
SENT_MINUTES = 20

_SENT_KEY_LABEL = b"reporting/draft/sent-receipt-key/v1"

# Not sent yet: the WHERE clause is what makes a second send a no-op, on SQLite (one writer
# at a time) and PostgreSQL (the second UPDATE waits for the first's commit, then finds the
# row sent) alike. That the draft is still live was checked, in the same transaction, when
# the send read it (its expiry is encrypted: the database cannot compare it).
_MARK_SENT = (
    update(Draft)
    .where(Draft.id == bindparam("draft_id"), Draft.sent == false())
    .values(
        sent=True,
        answers=None,
        expiry=None,
        receipt=bindparam("receipt"),
        purge_on=bindparam("purge_on"),
    )
)
_REWRITE_RECEIPT = (
    update(Draft)
    .where(Draft.id == bindparam("draft_id"))
    .values(receipt=bindparam("receipt"), purge_on=bindparam("purge_on"))
)
_READ_SENT = select(Draft.sent, Draft.receipt).where(Draft.id == bindparam("draft_id"))


@dataclass(frozen=True)
class SentReceipt:
    reference: str
    receipt: str
    # What the person said would help ("What support would help?"): shown first on the page.
    support: tuple[str, ...] = ()
    # What the person last typed as the receipt's last 4 digits, when it was not them: shown
    # again with the error (nothing typed is lost), kept only as long as the receipt.
    typed: str = ""

    @property
    def receipt_groups(self) -> list[str]:
        return [self.receipt[i : i + 4] for i in range(0, len(self.receipt), 4)]


class SentState(Enum):
    SHOWING = "showing"  # sent, and the receipt can still be shown
    NOT_SENT = "not-sent"  # a live draft that was never sent
    ENDED = "ended"  # sent, but the receipt is gone (or nothing is known)


def _key(cookie: DraftCookie) -> bytes:
    (key,) = crypto.hkdf_split(cookie.data_key, _SENT_KEY_LABEL)
    return key


def _context(draft_id: str) -> bytes:
    return f"draft:{draft_id}:sent-receipt:v1".encode()


def seal_receipt(cookie: DraftCookie, sent: SentReceipt, until: dt.datetime) -> bytes:
    """The receipt, and when the sent state ends, under the cookie's sent-receipt key."""
    plaintext = json.dumps(
        {
            "reference": sent.reference,
            "receipt": sent.receipt,
            "support": list(sent.support),
            "typed": sent.typed,
            "until": until.isoformat(timespec="microseconds"),
        }
    ).encode()
    return crypto.encrypt(_key(cookie), plaintext, context=_context(cookie.draft_id))


def _sent_values(cookie: DraftCookie, sent: SentReceipt, now: dt.datetime) -> dict[str, object]:
    until = now + dt.timedelta(minutes=SENT_MINUTES)
    return {
        "draft_id": cookie.draft_id,
        "receipt": seal_receipt(cookie, sent, until),
        "purge_on": purge_day(until),
    }


def mark_sent(
    connection: Connection, cookie: DraftCookie, sent: SentReceipt, now: dt.datetime
) -> bool:
    """Turn the draft into its sent state; False if it was sent (or ended) already."""
    result = connection.execute(_MARK_SENT, _sent_values(cookie, sent, now))
    return result.rowcount == 1


def rewrite_receipt(connection: Connection, cookie: DraftCookie, sent: SentReceipt) -> None:
    """Store another reference with the receipt (after a reference clash)."""
    connection.execute(_REWRITE_RECEIPT, _sent_values(cookie, sent, utcnow()))


def open_receipt(
    cookie: DraftCookie, sealed: bytes | None
) -> tuple[SentReceipt, dt.datetime] | None:
    """The receipt and the end of the sent state; None if the cookie's key does not open it."""
    try:
        plaintext = crypto.decrypt(_key(cookie), sealed or b"", context=_context(cookie.draft_id))
    except crypto.DecryptionError:
        return None
    values = json.loads(plaintext)
    support = tuple(str(code) for code in values.get("support", ()))
    typed = str(values.get("typed", ""))
    receipt = SentReceipt(values["reference"], values["receipt"], support, typed)
    return receipt, dt.datetime.fromisoformat(values["until"])


def read_sent(
    db: Session, cookie: DraftCookie | None, now: dt.datetime | None = None
) -> tuple[SentState, SentReceipt | None]:
    """What the sent page can show for this cookie."""
    if cookie is None:
        return SentState.ENDED, None
    row = db.connection().execute(_READ_SENT, {"draft_id": cookie.draft_id}).first()
    if row is None:
        return SentState.ENDED, None
    if not row.sent:
        return (SentState.ENDED if cookie.sent else SentState.NOT_SENT), None
    opened = open_receipt(cookie, row.receipt)
    if opened is None:
        # Not this browser's key: it has nothing to be shown.
        return SentState.ENDED, None
    receipt, until = opened
    if until <= (now or utcnow()):
        # Its end has come, which only this cookie's key can tell: the row goes now (the
        # caller commits), rather than on its purge day.
        delete_draft(db, cookie)
        return SentState.ENDED, None
    return SentState.SHOWING, receipt


class LastFour(Enum):
    RIGHT = "right"
    EMPTY = "empty"
    NOT_FOUR_DIGITS = "not-four-digits"
    WRONG = "wrong"


def check_last_four(sent: SentReceipt, typed: str) -> LastFour:
    """Whether ``typed`` is the receipt's last 4 digits (spaces and other scripts' digits
    allowed, as in a receipt typed back)."""
    if len(typed) > 64:  # not a person typing 4 digits
        return LastFour.NOT_FOUR_DIGITS
    digits = []
    for char in unicodedata.normalize("NFKC", typed):
        if char.isspace() or char == "-":
            continue
        value = unicodedata.decimal(char, None)
        if value is None:
            return LastFour.NOT_FOUR_DIGITS
        digits.append(str(value))
    if not digits:
        return LastFour.EMPTY
    if len(digits) != 4:
        return LastFour.NOT_FOUR_DIGITS
    if hmac.compare_digest("".join(digits), sent.receipt[-4:]):
        return LastFour.RIGHT
    return LastFour.WRONG
