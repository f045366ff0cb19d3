"""Messages between the team and a reporter: who can read them, what a copy of the database
holds, and what the audit log records."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import case, select, update

from reporting import crypto, messages, reports
from reporting.db import database
from reporting.models import AuditEntry, Message, Report

from .helpers import Reporter, database_bytes, full_answers

TODAY = dt.date(2026, 12, 10)
MARKER = "Qm9Marker"


def send(reporter: Reporter) -> str:
    """Send a report; the receipt shown (16 digits)."""
    reporter.start()
    reporter.answer_all(full_answers())
    html = reporter.send().get_data(as_text=True)
    groups = re.findall(r'app-receipt__group">(\d{4})<', html)
    assert len(groups) == 4
    return "".join(groups)


def reporter_data_key(app: Flask, receipt: str) -> tuple[str, bytes]:
    """What a receipt holder opens: the report (its id) and its data key, by the receipt alone."""
    secrets = crypto.derive_receipt_secrets(
        receipt, bytes.fromhex(app.config["RECEIPT_PEPPER"]), app.config["RECEIPT_KDF"]
    )
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.receipt_lookup == secrets.lookup_id))
        assert report is not None and report.reporter_data_key is not None
        private = crypto.decrypt(
            secrets.unlock_key,
            report.reporter_private_key_encrypted,
            context=reports.reporter_key_context(report.id),
        )
        data_key = crypto.open_sealed(
            private,
            report.reporter_data_key,
            context=reports.reporter_data_key_context(report.id),
        )
        return report.id, data_key


def team_data_key(app: Flask, team, report_id: str) -> bytes:
    with database(app).session() as db:
        report = db.get(Report, report_id)
        assert report is not None
        return reports.open_data_key(db, report, team.private_keys)


def post(app: Flask, report_id: str, data_key: bytes, text: str, **kwargs) -> None:
    kwargs.setdefault("author", "team")
    kwargs.setdefault("today", TODAY)
    with database(app).session() as db:
        report = db.get(Report, report_id)
        assert report is not None
        messages.post(db, report, data_key, text, **kwargs)
        db.commit()


def read(app: Flask, report_id: str, data_key: bytes) -> list[messages.MessageView]:
    with database(app).session() as db:
        report = db.get(Report, report_id)
        assert report is not None
        return messages.thread(db, report, data_key)


def test_the_receipt_alone_opens_the_same_data_key_the_team_holds(app, reporter, team) -> None:
    report_id, from_receipt = reporter_data_key(app, send(reporter))
    assert from_receipt == team_data_key(app, team, report_id)


def test_a_team_message_is_read_by_the_team_and_by_the_receipt_holder(app, reporter, team) -> None:
    report_id, reporter_key = reporter_data_key(app, send(reporter))
    key = team_data_key(app, team, report_id)
    post(app, report_id, key, "  Can you tell us which street?\r\nThanks  ", actor_id=None)
    post(app, report_id, reporter_key, "Market Street", author="reporter")

    expected = [
        messages.MessageView("team", TODAY, "Can you tell us which street?\nThanks"),
        messages.MessageView("reporter", TODAY, "Market Street"),
    ]
    assert read(app, report_id, key) == expected
    assert read(app, report_id, reporter_key) == expected
    # Anyone else's key reads nothing.
    assert [m.text for m in read(app, report_id, crypto.new_data_key())] == [None, None]


def test_positions_count_per_report(app, reporter, team) -> None:
    first, first_key = reporter_data_key(app, send(reporter))
    second, second_key = reporter_data_key(app, send(reporter))
    for text in ("one", "two"):
        post(app, first, first_key, text)
    post(app, second, second_key, "three", author="reporter")
    post(app, first, first_key, "four", author="reporter")
    with database(app).session() as db:
        rows = db.execute(
            select(Message.report_id, Message.position, Message.author).order_by(
                Message.report_id, Message.position
            )
        ).all()
    assert sorted(tuple(r) for r in rows) == sorted(
        [
            (first, 1, "team"),
            (first, 2, "team"),
            (first, 3, "reporter"),
            (second, 1, "reporter"),
        ]
    )
    assert [m.text for m in read(app, first, first_key)] == ["one", "two", "four"]


def test_a_message_moved_or_altered_does_not_open(app, reporter, team) -> None:
    first, first_key = reporter_data_key(app, send(reporter))
    second, second_key = reporter_data_key(app, send(reporter))
    post(app, first, first_key, "first report, first message")
    post(app, first, first_key, "first report, second message")
    post(app, second, second_key, "second report")
    with database(app).session() as db:
        one, two = db.scalars(
            select(Message).where(Message.report_id == first).order_by(Message.position)
        ).all()
        other = db.scalar(select(Message).where(Message.report_id == second))
        assert other is not None
        # To another message of the same report: both its body and its key.
        two.body, two.key_for_report = one.body, one.key_for_report
        # To another report's message (under a data key of its own: the id binds it too).
        other.body = one.body
        db.commit()
    assert [m.text for m in read(app, first, first_key)] == ["first report, first message", None]
    assert [m.text for m in read(app, second, second_key)] == [None]
    # A flipped bit in a body.
    with database(app).session() as db:
        one = db.scalar(select(Message).where(Message.report_id == first, Message.position == 1))
        assert one is not None
        one.body = one.body[:-1] + bytes([one.body[-1] ^ 1])
        db.commit()
    assert [m.text for m in read(app, first, first_key)] == [None, None]


def test_a_message_whose_author_is_rewritten_does_not_open(app, reporter, team) -> None:
    report_id, data_key = reporter_data_key(app, send(reporter))
    post(app, report_id, data_key, "from the team")
    post(app, report_id, data_key, "from the reporter", author="reporter")
    with database(app).session() as db:
        db.execute(
            update(Message)
            .where(Message.report_id == report_id)
            .values(author=case((Message.author == "team", "reporter"), else_="team"))
        )
        db.commit()
    shown = read(app, report_id, data_key)
    assert [(m.author, m.text) for m in shown] == [("reporter", None), ("team", None)]


def test_a_row_moved_to_another_report_does_not_open_there(app, reporter, team) -> None:
    first, first_key = reporter_data_key(app, send(reporter))
    second, second_key = reporter_data_key(app, send(reporter))
    post(app, first, first_key, "for the first report only")
    with database(app).session() as db:
        db.execute(update(Message).values(report_id=second))
        db.commit()
    assert [m.text for m in read(app, second, second_key)] == [None]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", messages.EmptyMessage),
        (None, messages.EmptyMessage),
        (" \r\n\t ", messages.EmptyMessage),
        ("x" * (messages.MESSAGE_MAX + 1), messages.MessageTooLong),
    ],
)
def test_empty_and_too_long_messages_are_refused(app, reporter, team, text, error) -> None:
    report_id, key = reporter_data_key(app, send(reporter))
    with pytest.raises(error):
        post(app, report_id, key, text)
    assert issubclass(error, messages.MessageError)
    assert read(app, report_id, key) == []


def test_the_longest_message_counts_a_line_break_as_one(app, reporter, team) -> None:
    report_id, key = reporter_data_key(app, send(reporter))
    longest = "a\r\n" * (messages.MESSAGE_MAX // 2 - 1) + "bc"  # 3000 with one-character breaks
    post(app, report_id, key, longest)
    [shown] = read(app, report_id, key)
    assert shown.text is not None and len(shown.text) == messages.MESSAGE_MAX


def test_team_messages_are_audited_without_content_reporter_messages_not(
    app, reporter, team
) -> None:
    report_id, key = reporter_data_key(app, send(reporter))
    with database(app).session() as db:
        before = db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0
        report = db.get(Report, report_id)
        assert report is not None
        reference = report.reference
    post(app, report_id, key, f"Team words {MARKER}", actor_id=None)
    post(app, report_id, key, f"Reporter words {MARKER}", author="reporter")
    with database(app).session() as db:
        entries = db.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
    assert [(e.action, e.subject) for e in entries] == [("message-sent", f"report:{reference}")]
    assert MARKER not in (entries[0].details or "")
    assert "words" not in (entries[0].details or "")


def test_the_database_holds_no_message_text(app, reporter, team) -> None:
    report_id, key = reporter_data_key(app, send(reporter))
    post(app, report_id, key, f"Team asks {MARKER}team")
    post(app, report_id, key, f"Reporter answers {MARKER}reporter", author="reporter")
    stored = database_bytes(app)
    for needle in (MARKER, f"{MARKER}team", f"{MARKER}reporter"):
        for encoded in (needle.encode(), needle.encode("utf-16-le"), needle.encode().hex()):
            assert (encoded if isinstance(encoded, bytes) else encoded.encode()) not in stored


def test_read_marks_each_side(app, reporter, team) -> None:
    first, first_key = reporter_data_key(app, send(reporter))
    second, second_key = reporter_data_key(app, send(reporter))
    post(app, first, first_key, "from the reporter", author="reporter")
    post(app, first, first_key, "from the team")
    post(app, second, second_key, "from the team")
    with database(app).session() as db:
        assert messages.reports_with_unread_from_reporter(db, [first, second]) == {first}
        assert messages.reports_with_unread_from_reporter(db, [second]) == set()
        assert messages.reports_with_unread_from_reporter(db, []) == set()
        report = db.get(Report, first)
        assert report is not None
        messages.mark_read_by_team(db, report)
        db.commit()
        assert messages.reports_with_unread_from_reporter(db, [first, second]) == set()
        unread_by_reporter = db.scalars(
            select(Message.report_id).where(Message.read_by_reporter.is_(False))
        ).all()
        assert sorted(unread_by_reporter) == sorted([first, second])
        messages.mark_read_by_reporter(db, report)
        db.commit()
        unread_by_reporter = db.scalars(
            select(Message.report_id).where(Message.read_by_reporter.is_(False))
        ).all()
        assert unread_by_reporter == [second]
    # A new reporter message is unread again.
    post(app, first, first_key, "one more", author="reporter")
    with database(app).session() as db:
        assert messages.reports_with_unread_from_reporter(db, [first, second]) == {first}


def test_a_report_sent_before_messages_gets_the_reporters_copy_when_opened(
    app, reporter, team
) -> None:
    receipt = send(reporter)
    report_id, _ = reporter_data_key(app, receipt)
    with database(app).session() as db:
        db.execute(update(Report).values(reporter_data_key=None))
        db.commit()
    key = team_data_key(app, team, report_id)
    with database(app).session() as db:
        report = db.get(Report, report_id)
        assert report is not None
        messages.ensure_reporter_data_key(db, report, key)
        db.commit()
    assert reporter_data_key(app, receipt) == (report_id, key)
    # A second call leaves it as it is.
    with database(app).session() as db:
        report = db.get(Report, report_id)
        assert report is not None
        sealed = report.reporter_data_key
        messages.ensure_reporter_data_key(db, report, key)
        db.commit()
        db.refresh(report)
        assert report.reporter_data_key == sealed


def test_the_reporters_copy_does_not_open_as_another_reports(app, reporter, team) -> None:
    first_receipt = send(reporter)
    first, _ = reporter_data_key(app, first_receipt)
    second, _ = reporter_data_key(app, send(reporter))
    with database(app).session() as db:
        a, b = db.get(Report, first), db.get(Report, second)
        assert a is not None and b is not None
        a.reporter_data_key = b.reporter_data_key
        db.commit()
    with pytest.raises(crypto.DecryptionError):
        reporter_data_key(app, first_receipt)
