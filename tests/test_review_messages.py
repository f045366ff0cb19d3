"""Messages with the reporter on the officer's report page: reading, sending, and who may."""

from __future__ import annotations

import datetime as dt
import html as html_module

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from reporting import messages, reports
from reporting.db import database
from reporting.models import AuditEntry, Message, Report

from .helpers import HttpsClient, csrf_token, database_bytes, send_report
from .pages import read_page
from .staff import StaffUser, client_for, create_user, signed_in_client

MARKER = "Wx4Marker"


@pytest.fixture
def officer(app: Flask, team) -> StaffUser:
    return create_user(
        app, email="officer@example.org", name="Olive Officer", team_keys=team.private_keys
    )


@pytest.fixture
def officer_client(app: Flask, officer: StaffUser) -> HttpsClient:
    return signed_in_client(app, officer)


def page_text(response) -> str:
    return html_module.unescape(response.get_data(as_text=True))


def message_form(html: str):
    [form] = [f for f in read_page(html).forms if f.action.endswith("/messages")]
    return form


def send_message(client: HttpsClient, reference: str, text: str, **extra):
    page = client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "message": text, **extra}
    return client.post(f"/staff/reports/{reference}/messages", data=data)


def message_count(app: Flask) -> int:
    with database(app).session() as db:
        return db.scalar(select(func.count()).select_from(Message)) or 0


def reporter_writes(app: Flask, team, reference: str, text: str) -> None:
    """A message from the reporter's side, as the receipt pages will post it."""
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        key = reports.open_data_key(db, report, team.private_keys)
        messages.post(db, report, key, text, author="reporter", today=dt.date(2026, 12, 9))
        db.commit()


def test_the_report_page_offers_a_message_with_a_plain_warning(app, team, officer_client) -> None:
    reference = send_report(app, "Zm1")
    response = officer_client.get(f"/staff/reports/{reference}")
    text = page_text(response)
    assert response.status_code == 200
    assert "Messages with the reporter" in text and "No messages yet." in text
    assert "Send a message to the reporter" in text
    assert "only when they check for replies with their receipt" in text
    assert "would harm them if someone else using their device saw it" in text
    form = message_form(response.get_data(as_text=True))
    assert form.method == "post" and form.maxlength["message"] == messages.MESSAGE_MAX


def test_an_officer_sends_a_message_that_the_page_then_shows(
    app, team, officer, officer_client
) -> None:
    reference = send_report(app, "Zm2")
    posted = send_message(officer_client, reference, f"Which street was it?\r\nThanks {MARKER}")
    assert posted.status_code == 302
    assert posted.location.endswith(f"/staff/reports/{reference}#messages")
    shown = officer_client.get(f"/staff/reports/{reference}")
    text = page_text(shown)
    assert "Message sent." in text
    assert "No messages yet." not in text
    assert "The team" in text
    assert f"Which street was it?<br>Thanks {MARKER}" in text
    assert dt.datetime.now(dt.UTC).date().strftime("%-d %B %Y") in text
    # The form is empty again.
    assert message_form(shown.get_data(as_text=True)).textareas["message"] == ""
    # Audited, without the text.
    with database(app).session() as db:
        [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "message-sent"))
    assert entry.actor_id == officer.id
    assert entry.subject == f"report:{reference}"
    assert MARKER not in (entry.details or "") and "street" not in (entry.details or "")
    assert MARKER.encode() not in database_bytes(app)


def test_the_reporters_messages_are_shown_and_marked_read(app, team, officer_client) -> None:
    reference = send_report(app, "Zm3")
    reporter_writes(app, team, reference, "It was <b>Market</b> Street \u202eevil")
    with database(app).session() as db:
        report_id = db.scalar(select(Report.id).where(Report.reference == reference))
        assert report_id is not None
        assert messages.reports_with_unread_from_reporter(db, [report_id]) == {report_id}
    response = officer_client.get(f"/staff/reports/{reference}")
    raw = response.get_data(as_text=True)
    assert "The reporter" in raw and "9 December 2026" in raw
    # Escaped, and the direction override shown for what it is.
    assert "&lt;b&gt;Market&lt;/b&gt; Street" in raw and "<b>Market</b>" not in raw
    assert "[U+202E]" in raw and "\u202e" not in raw
    with database(app).session() as db:
        assert messages.reports_with_unread_from_reporter(db, [report_id]) == set()


def test_opening_a_report_sent_before_messages_gives_the_reporter_its_key(
    app, team, officer_client
) -> None:
    reference = send_report(app, "Zm4")
    with database(app).session() as db:
        db.execute(update(Report).values(reporter_data_key=None))
        db.commit()
    assert officer_client.get(f"/staff/reports/{reference}").status_code == 200
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None and report.reporter_data_key is not None


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter a message to the reporter"),
        ("   \r\n  ", "Enter a message to the reporter"),
        ("y" * (messages.MESSAGE_MAX + 1), "The message must be 3,000 characters or fewer"),
    ],
)
def test_an_empty_or_too_long_message_is_refused_and_keeps_what_was_typed(
    app, team, officer_client, typed, error
) -> None:
    reference = send_report(app, "Zm5")
    response = send_message(officer_client, reference, typed)
    assert response.status_code == 400
    raw = response.get_data(as_text=True)
    page = read_page(raw)
    assert page.error_summary and error in page.errors
    assert 'href="#message"' in raw
    assert message_form(raw).textareas["message"].strip() == typed.replace("\r\n", "\n").strip()
    assert message_count(app) == 0


def test_the_longest_message_is_sent(app, team, officer_client) -> None:
    reference = send_report(app, "Zm6")
    longest = "line\r\n" * 500 + "z" * 500  # 3,000 characters when a break counts as one
    assert send_message(officer_client, reference, longest).status_code == 302
    assert message_count(app) == 1


def test_a_message_without_a_csrf_token_is_refused(app, team, officer_client) -> None:
    reference = send_report(app, "Zm7")
    response = officer_client.post(
        f"/staff/reports/{reference}/messages", data={"message": "hello"}
    )
    assert response.status_code == 400
    assert message_count(app) == 0


@pytest.mark.parametrize("role", ["analyst", "centre"])
def test_analysts_and_centres_cannot_send(app, team, role) -> None:
    reference = send_report(app, "Zm8")
    client = signed_in_client(app, create_user(app, role))
    page = client.get("/").get_data(as_text=True)
    response = client.post(
        f"/staff/reports/{reference}/messages",
        data={"csrf_token": csrf_token(page), "message": "hello"},
    )
    assert response.status_code == 403
    assert "Zm8" not in response.get_data(as_text=True)
    assert message_count(app) == 0


def test_an_officer_without_the_key_cannot_send(app, team) -> None:
    reference = send_report(app, "Zm9")
    client = signed_in_client(app, create_user(app, email="new@example.org"))
    page = client.get("/").get_data(as_text=True)
    response = client.post(
        f"/staff/reports/{reference}/messages",
        data={"csrf_token": csrf_token(page), "message": "hello"},
    )
    assert response.status_code == 403
    assert "You cannot open reports yet" in page_text(response)
    assert message_count(app) == 0


def test_anonymous_visitors_cannot_send(app, team) -> None:
    reference = send_report(app, "Zm10")
    client = client_for(app)
    page = client.get("/").get_data(as_text=True)
    response = client.post(
        f"/staff/reports/{reference}/messages",
        data={"csrf_token": csrf_token(page), "message": "hello"},
    )
    assert response.status_code == 302
    assert "/staff/sign-in" in response.location
    assert message_count(app) == 0


def test_a_message_to_an_unknown_report_is_not_found(app, team, officer_client) -> None:
    send_report(app, "Zm11")
    response = send_message(officer_client, "HC-2222-2222", "hello")
    assert response.status_code == 404
    assert message_count(app) == 0
