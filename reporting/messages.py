"""Messages between the team and the reporter of a report, both ways.

Each message's text is encrypted (AES-GCM) under a random key of its own, bound to its row; that
key is wrapped under the report's data key, bound to the row too. So whoever holds the report's
data key reads the thread: officers (through a team key) and the reporter (through their
receipt: it opens the reporter's private key, which opens ``reports.reporter_data_key``). A
ciphertext moved to another row or report does not open.

In clear a message row holds its report, its place in the thread (1, 2, 3...), who wrote it,
the day it was written (never a time: a reporter's message must not say when they were at a
device) and whether each side has read it. Team messages are audited, without their text;
reporter messages are not (the audit log's times have seconds, and nothing a reporter does may
be timed finer than a day).

Functions take the session and leave committing to the caller.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import false, func, insert, select, update
from sqlalchemy.orm import Session

from . import audit, crypto, reports
from .models import Message, Report

MESSAGE_MAX = 3000

AUTHORS = ("reporter", "team")


class MessageError(Exception):
    """A message was refused."""


class EmptyMessage(MessageError):
    """The message has no text (or only spaces)."""


class MessageTooLong(MessageError):
    """The message is longer than MESSAGE_MAX characters."""


@dataclass(frozen=True)
class MessageView:
    author: str  # "reporter" | "team"
    written_on: dt.date
    # None when the message did not open (altered, or moved from another row): never shown as
    # anything it was not.
    text: str | None


def body_context(report_id: str, message_id: str, author: str) -> bytes:
    """Binds a message to its row, its report and who wrote it: a row whose ``author`` was
    rewritten (the team's words passed off as the reporter's, or back) does not open."""
    return f"report:{report_id}:message:{message_id}:{author}:v1".encode()


def key_context(report_id: str, message_id: str) -> bytes:
    return f"report:{report_id}:message-key:{message_id}:v1".encode()


def clean(text: str | None) -> str:
    """The text as it will be stored; EmptyMessage or MessageTooLong if it cannot be.

    A browser sends a textarea's line breaks as CRLF but counts them as one character for its
    maxlength: they are counted (and kept) as one here too.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise EmptyMessage
    if len(text) > MESSAGE_MAX:
        raise MessageTooLong
    return text


def post(
    db: Session,
    report: Report,
    data_key: bytes,
    text: str | None,
    *,
    author: str,
    today: dt.date,
    actor_id: int | None = None,
) -> None:
    """Add a message at the end of the report's thread, encrypted; team messages audited."""
    if author not in AUTHORS:
        raise ValueError(f"author must be one of {AUTHORS}")
    text = clean(text)
    # Of two messages posted at once to one report, the second waits here for the first to
    # commit (PostgreSQL; SQLite has one writer at a time), then takes the next position. The
    # report row before the audit log's lock, in the order casework.actions takes them.
    db.execute(select(Report.id).where(Report.id == report.id).with_for_update())
    if author == "team":
        # The entry names the report, never the text.
        audit.record(db, "message-sent", actor_id=actor_id, subject=f"report:{report.reference}")
    message_id = secrets.token_hex(16)
    message_key = crypto.new_data_key()
    body = crypto.encrypt(
        message_key,
        text.encode("utf-8", "replace"),
        context=body_context(report.id, message_id, author),
    )
    wrapped = crypto.encrypt(data_key, message_key, context=key_context(report.id, message_id))
    next_position = (
        select(func.coalesce(func.max(Message.position), 0) + 1)
        .where(Message.report_id == report.id)
        .scalar_subquery()
    )
    # One statement reads the last position and writes the next: no window between the two.
    db.execute(
        insert(Message).values(
            id=message_id,
            report_id=report.id,
            position=next_position,
            author=author,
            written_on=today,
            body=body,
            key_for_report=wrapped,
            read_by_team=author == "team",
            read_by_reporter=author == "reporter",
        )
    )


def _open(report_id: str, message: Message, data_key: bytes) -> str | None:
    try:
        message_key = crypto.decrypt(
            data_key, message.key_for_report, context=key_context(report_id, message.id)
        )
        return crypto.decrypt(
            message_key, message.body, context=body_context(report_id, message.id, message.author)
        ).decode()
    except (crypto.CryptoError, UnicodeDecodeError):
        return None


def thread(db: Session, report: Report, data_key: bytes) -> list[MessageView]:
    """The report's messages in order, decrypted with its data key."""
    rows = db.scalars(
        select(Message).where(Message.report_id == report.id).order_by(Message.position)
    )
    return [MessageView(m.author, m.written_on, _open(report.id, m, data_key)) for m in rows]


def mark_read_by_team(db: Session, report: Report) -> None:
    """The team has seen every message the reporter sent on this report."""
    db.execute(
        update(Message)
        .where(
            Message.report_id == report.id,
            Message.author == "reporter",
            Message.read_by_team == false(),
        )
        .values(read_by_team=True)
        .execution_options(synchronize_session=False)
    )


def mark_read_by_reporter(db: Session, report: Report) -> None:
    """The reporter has seen every message the team sent on this report."""
    db.execute(
        update(Message)
        .where(
            Message.report_id == report.id,
            Message.author == "team",
            Message.read_by_reporter == false(),
        )
        .values(read_by_reporter=True)
        .execution_options(synchronize_session=False)
    )


def reports_with_unread_from_reporter(db: Session, report_ids: Collection[str]) -> set[str]:
    """Which of these reports (ids) have a reporter's message the team has not read yet."""
    if not report_ids:
        return set()
    rows = db.scalars(
        select(Message.report_id)
        .where(
            Message.report_id.in_(list(report_ids)),
            Message.author == "reporter",
            Message.read_by_team == false(),
        )
        .distinct()
    )
    return set(rows)


def ensure_reporter_data_key(db: Session, report: Report, data_key: bytes) -> None:
    """Give a report sent before messages its data key sealed to the reporter's public key.

    Called by whoever opens the report with a team key (they hold the data key); a report
    that already has it is left as it is. The caller commits.
    """
    if report.reporter_data_key is not None:
        return
    report.reporter_data_key = crypto.seal(
        report.reporter_public_key,
        data_key,
        context=reports.reporter_data_key_context(report.id),
    )
    db.flush()
