"""What a reporter adds through the receipt after sending: more information, and changes to
what they agree to share.

An addition is encrypted under the report's data key (which the receipt session holds), bound
to the report and the addition's random id; in clear only the report, its position and the day.
A consent change is a dated row (before and after) that also updates the report's clear columns
``share_with_police`` / ``share_with_support``: everything that decides what a police copy holds
reads those (review/consent.py), never the original answer.

No reporter action is audited (the audit log's times have seconds). What officers are shown of
these, and the audit entry an officer's first sight of a change gets, is officer_updates.py.

Functions take the session and leave committing to the caller.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from . import crypto, follow_up, reports
from .journey.answers import wants_contact
from .journey.choices import SHARE_POLICE, SHARE_SUPPORT
from .models import ConsentChange, Report, ReportAddition

ADDITION_MAX = 5000
POLICE_CODES = tuple(code for code, _label in SHARE_POLICE)
SUPPORT_CODES = tuple(code for code, _label in SHARE_SUPPORT)


class UpdateError(Exception):
    """An addition or a consent change was refused."""


class EmptyAddition(UpdateError):
    """The addition has no text (or only spaces)."""


class AdditionTooLong(UpdateError):
    """The addition is longer than ADDITION_MAX characters."""


class InvalidSharing(UpdateError):
    """Not one of the choices this report's reporter may make."""


@dataclass(frozen=True)
class AdditionView:
    added_on: dt.date
    text: str | None  # None: it did not open (altered, or moved from another row)


# --- Additions -------------------------------------------------------------------------------


def addition_context(report_id: str, addition_id: str) -> bytes:
    return f"report:{report_id}:addition:{addition_id}:v1".encode()


def clean_addition(text: str | None) -> str:
    """The text as stored (line breaks as one character, trimmed); EmptyAddition or
    AdditionTooLong if it cannot be."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise EmptyAddition
    if len(text) > ADDITION_MAX:
        raise AdditionTooLong
    return text


def add_information(
    db: Session, report: Report, data_key: bytes, text: str | None, *, today: dt.date
) -> None:
    """Add the reporter's text to the report, encrypted under its data key (not audited)."""
    text = clean_addition(text)
    # Two additions at once to one report: the second waits for the first (as messages.post).
    db.execute(select(Report.id).where(Report.id == report.id).with_for_update())
    addition_id = secrets.token_hex(16)
    body = crypto.encrypt(
        data_key, text.encode("utf-8", "replace"), context=addition_context(report.id, addition_id)
    )
    next_position = (
        select(func.coalesce(func.max(ReportAddition.position), 0) + 1)
        .where(ReportAddition.report_id == report.id)
        .scalar_subquery()
    )
    db.execute(
        insert(ReportAddition).values(
            id=addition_id, report_id=report.id, position=next_position, added_on=today, body=body
        )
    )


def additions(db: Session, report: Report, data_key: bytes) -> list[AdditionView]:
    """The report's additions, oldest first, decrypted."""
    rows = db.scalars(
        select(ReportAddition)
        .where(ReportAddition.report_id == report.id)
        .order_by(ReportAddition.position)
    )
    views = []
    for row in rows:
        try:
            text: str | None = crypto.decrypt(
                data_key, row.body, context=addition_context(report.id, row.id)
            ).decode()
        except (crypto.CryptoError, UnicodeDecodeError):
            text = None
        views.append(AdditionView(row.added_on, text))
    return views


# --- Consent ---------------------------------------------------------------------------------


def may_share_details(report: Report, data_key: bytes) -> bool:
    """Whether the reporter gave contact details (so "with my contact details" is a choice).

    Read from the answers under the data key, never shown."""
    try:
        return wants_contact(reports.read_answers(report, data_key))
    except crypto.CryptoError:
        return False


def change_consent(
    db: Session,
    report: Report,
    police: str | None,
    support: str | None,
    *,
    details_allowed: bool,
    today: dt.date,
) -> bool:
    """Record a change of what the reporter agrees to share; False if nothing changed.

    InvalidSharing for a choice that is not one (or "with my contact details" when they
    gave none).
    """
    allowed = (
        POLICE_CODES if details_allowed else tuple(c for c in POLICE_CODES if c != "with-details")
    )
    if police not in allowed or support not in SUPPORT_CODES:
        raise InvalidSharing
    db.execute(select(Report.id).where(Report.id == report.id).with_for_update())
    db.refresh(report)
    before = (report.share_with_police, report.share_with_support)
    if before == (police, support):
        return False
    next_position = (
        select(func.coalesce(func.max(ConsentChange.position), 0) + 1)
        .where(ConsentChange.report_id == report.id)
        .scalar_subquery()
    )
    db.execute(
        insert(ConsentChange).values(
            id=secrets.token_hex(16),
            report_id=report.id,
            position=next_position,
            changed_on=today,
            police_before=before[0],
            police_after=police,
            support_before=before[1],
            support_after=support,
            seen_by_team=False,
        )
    )
    report.share_with_police, report.share_with_support = police, support
    return True


# --- Through the receipt session -------------------------------------------------------------


@dataclass(frozen=True)
class ReporterSide:
    """What the receipt page shows of these: the days of the reporter's additions (never their
    text: a shared device must not become a way to read the account) and the current choices."""

    added_on: list[dt.date]
    police: str | None
    support: str | None
    details_allowed: bool  # "with my contact details" is a choice (they gave some)

    def police_label(self) -> str:
        return dict(SHARE_POLICE).get(self.police or "", "You did not answer")

    def support_label(self) -> str:
        return dict(SHARE_SUPPORT).get(self.support or "", "You did not answer")


def _report(db: Session, session: follow_up.ReceiptSession) -> tuple[Report, bytes]:
    report = db.get(Report, session.report_id)
    if report is None:  # deleted since the session opened
        raise follow_up.ReceiptSessionMissing
    if session.data_key is None:
        raise follow_up.MessagesUnavailable
    return report, session.data_key


def for_reporter(db: Session, session: follow_up.ReceiptSession) -> ReporterSide | None:
    """The receipt page's part; None for a report whose key the receipt cannot open yet."""
    if session.data_key is None:
        return None
    report, data_key = _report(db, session)
    days = db.scalars(
        select(ReportAddition.added_on)
        .where(ReportAddition.report_id == report.id)
        .order_by(ReportAddition.position)
    )
    return ReporterSide(
        list(days),
        report.share_with_police,
        report.share_with_support,
        may_share_details(report, data_key),
    )


def add_through_receipt(
    db: Session, session: follow_up.ReceiptSession, text: str | None, *, today: dt.date
) -> None:
    """add_information for the session's report (MessagesUnavailable without its key)."""
    report, data_key = _report(db, session)
    add_information(db, report, data_key, text, today=today)


def change_through_receipt(
    db: Session,
    session: follow_up.ReceiptSession,
    police: str | None,
    support: str | None,
    *,
    today: dt.date,
) -> bool:
    """change_consent for the session's report; False if nothing changed."""
    report, data_key = _report(db, session)
    allowed = may_share_details(report, data_key)
    return change_consent(db, report, police, support, details_allowed=allowed, today=today)
