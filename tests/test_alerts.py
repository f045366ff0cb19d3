"""Email alerts of a new message, through a real SMTP server (aiosmtpd on a free local port).

What the reporter sees on the receipt pages, what arrives in the mailbox (and what never does),
what an officer is told, and what a stolen database holds.
"""

from __future__ import annotations

import datetime as dt
import html as html_module
import logging
import re
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from reporting import alerts, create_app, messages, reports
from reporting.config import ConfigError
from reporting.db import database
from reporting.models import AlertAddress, Report

from .helpers import HttpsClient, Reporter, base_config, csrf_token, database_bytes, full_answers
from .staff import StaffUser, create_user, signed_in_client
from .test_replies import fields

MARKER = "Qz7Marker"
ADDRESS = "jo.alerts@qvmail.example"
SECRET_TEXT = "Zx9 the officer's words"
TODAY = dt.date(2026, 12, 10)


# --- A real SMTP server ----------------------------------------------------------------------


class Mailbox:
    """Every email the local SMTP server accepted: envelope recipients and the message."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[tuple[list[str], EmailMessage]]:
        return self.mailbox.received


@pytest.fixture
def smtp() -> Any:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def smtp_config(port: int) -> dict[str, Any]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_SECURITY": "none",
        "SMTP_FROM": "messages@example.net",
        "SMTP_TIMEOUT_SECONDS": 5,
    }


@pytest.fixture
def app(make_app: Any, smtp: SmtpServer) -> Flask:
    built: Flask = make_app(**smtp_config(smtp.port))
    return built


@pytest.fixture
def officer(app: Flask, team: Any) -> StaffUser:
    return create_user(
        app, email="officer@example.org", name="Olive Officer", team_keys=team.private_keys
    )


@pytest.fixture
def officer_client(app: Flask, officer: StaffUser) -> FlaskClient:
    return signed_in_client(app, officer)


# --- Helpers ---------------------------------------------------------------------------------


def send(app: Flask) -> tuple[str, str]:
    """A report sent through the journey: its reference and receipt (16 digits)."""
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    reporter.answer_all(full_answers(MARKER))
    page = reporter.send().get_data(as_text=True)
    reference = re.search(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", page)
    groups = re.findall(r'app-receipt__group">(\d{4})<', page)
    assert reference and len(groups) == 4, page[:2000]
    return reference.group(0), "".join(groups)


def with_receipt(app: Flask, receipt: str) -> FlaskClient:
    """A browser signed in to its report with the receipt."""
    app.test_client_class = HttpsClient
    client = app.test_client()
    page = client.get("/replies").get_data(as_text=True)
    response = client.post("/replies", data={"csrf_token": csrf_token(page), "receipt": receipt})
    assert response.status_code == 303 and response.location.endswith("/replies/report")
    return client


def save_address(client: FlaskClient, address: str) -> Any:
    page = client.get("/replies/report").get_data(as_text=True)  # the sign-out form's token
    return client.post("/replies/alerts", data={"csrf_token": csrf_token(page), "email": address})


def stop_emails(client: FlaskClient) -> Any:
    page = client.get("/replies/alerts").get_data(as_text=True)
    return client.post("/replies/alerts/stop", data={"csrf_token": csrf_token(page)})


def officer_writes(client: FlaskClient, reference: str, text: str) -> Any:
    page = client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    return client.post(
        f"/staff/reports/{reference}/messages",
        data={"csrf_token": csrf_token(page), "message": text},
    )


def page_text(response: Any) -> str:
    return html_module.unescape(response.get_data(as_text=True))


def thread_texts(app: Flask, team: Any, reference: str) -> list[str | None]:
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        key = reports.open_data_key(db, report, team.private_keys)
        return [m.text for m in messages.thread(db, report, key)]


def pending(app: Flask) -> list[bool]:
    with database(app).session() as db:
        return list(db.scalars(select(AlertAddress.pending)).all())


ASKED = "The reporter asked to be emailed when there is a new message"
NOT_YET = "the email could not be sent yet"


# --- Tests -----------------------------------------------------------------------------------


def test_an_officers_message_sends_one_email_that_says_nothing_else(
    app: Flask, team: Any, officer_client: FlaskClient, smtp: SmtpServer
) -> None:
    reference, receipt = send(app)
    reporter = with_receipt(app, receipt)
    offered = page_text(reporter.get("/replies/report"))
    assert "Get an email when there is a new message" in offered
    saved = save_address(reporter, f"  {ADDRESS} ")
    assert saved.status_code == 303 and saved.location.endswith("/replies/alerts?done=saved")
    shown = page_text(reporter.get(saved.location))
    assert "We will email you when there is a new message" in shown
    assert "j\u2022\u2022\u2022@q\u2022\u2022\u2022.example" in shown and ADDRESS not in shown
    assert smtp.received == []  # giving an address sends nothing

    assert ASKED in page_text(officer_client.get(f"/staff/reports/{reference}"))
    posted = officer_writes(officer_client, reference, f"{SECRET_TEXT} {MARKER}")
    assert posted.status_code == 302
    [(recipients, email)] = smtp.received
    assert recipients == [ADDRESS] and email["To"] == ADDRESS
    assert email["From"] == "messages@example.net"
    assert email["Subject"] == "You have a new message"
    body = email.get_content()
    assert "new message" in body and "receipt" in body
    whole = email.as_string()
    for secret in (reference, receipt, MARKER, SECRET_TEXT, "Zx9", "Northamptonshire"):
        assert secret not in whole
    assert "hate" not in whole.lower() and "report" not in whole.lower()
    assert thread_texts(app, team, reference) == [f"{SECRET_TEXT} {MARKER}"]
    assert pending(app) == [False]
    # Opening the report again sends nothing more.
    assert ASKED in page_text(officer_client.get(f"/staff/reports/{reference}"))
    assert len(smtp.received) == 1


def test_the_reporters_own_message_sends_nothing(app: Flask, team: Any, smtp: SmtpServer) -> None:
    reference, receipt = send(app)
    reporter = with_receipt(app, receipt)
    assert save_address(reporter, ADDRESS).status_code == 303
    sent = reporter.post("/replies/report/message", data={**fields(reporter), "message": "Hello"})
    assert sent.status_code == 303 and sent.location.endswith("/replies/report")
    assert thread_texts(app, team, reference) == ["Hello"]
    assert smtp.received == []


def test_stop_emails_deletes_the_address_and_no_email_follows(
    app: Flask, team: Any, officer_client: FlaskClient, smtp: SmtpServer
) -> None:
    reference, receipt = send(app)
    reporter = with_receipt(app, receipt)
    assert save_address(reporter, ADDRESS).status_code == 303
    stopped = stop_emails(reporter)
    assert stopped.status_code == 303 and stopped.location.endswith("done=stopped")
    shown = page_text(reporter.get(stopped.location))
    assert "We will not email you any more" in shown and "\u2022" not in shown
    assert pending(app) == []
    assert stop_emails(reporter).status_code == 303  # a second click: nothing left, no error
    officer_page = page_text(officer_client.get(f"/staff/reports/{reference}"))
    assert ASKED not in officer_page
    assert officer_writes(officer_client, reference, "Are you safe?").status_code == 302
    assert smtp.received == []
    assert thread_texts(app, team, reference) == ["Are you safe?"]


def test_a_new_address_replaces_the_old_one(
    app: Flask, team: Any, officer_client: FlaskClient, smtp: SmtpServer
) -> None:
    reference, receipt = send(app)
    reporter = with_receipt(app, receipt)
    assert save_address(reporter, ADDRESS).status_code == 303
    assert save_address(reporter, "other@example.com").status_code == 303
    assert "o\u2022\u2022\u2022@e\u2022\u2022\u2022.com" in page_text(
        reporter.get("/replies/alerts")
    )
    officer_writes(officer_client, reference, "Hello")
    assert [recipients for recipients, _ in smtp.received] == [["other@example.com"]]


def test_smtp_down_keeps_the_message_tells_the_officer_and_sends_once_when_back(
    app: Flask,
    team: Any,
    officer_client: FlaskClient,
    smtp: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    reference, receipt = send(app)
    reporter = with_receipt(app, receipt)
    assert save_address(reporter, ADDRESS).status_code == 303
    smtp.stop()
    caplog.set_level(logging.DEBUG)
    posted = officer_writes(officer_client, reference, "Are you safe now?")
    assert posted.status_code == 302
    assert thread_texts(app, team, reference) == ["Are you safe now?"]  # saved all the same
    assert pending(app) == [True]
    shown = page_text(officer_client.get(posted.location))
    assert "Message sent." in shown
    assert f"{ASKED}; {NOT_YET}" in shown
    assert "alert not sent: ConnectionRefusedError" in caplog.text
    assert ADDRESS not in caplog.text and "qvmail" not in caplog.text

    smtp.start()
    reopened = page_text(officer_client.get(f"/staff/reports/{reference}"))
    assert NOT_YET not in reopened and ASKED in reopened
    assert [recipients for recipients, _ in smtp.received] == [[ADDRESS]]
    assert pending(app) == [False]
    officer_client.get(f"/staff/reports/{reference}")
    assert len(smtp.received) == 1


def test_a_stolen_database_holds_no_address(
    app: Flask, team: Any, officer_client: FlaskClient, smtp: SmtpServer
) -> None:
    reference, receipt = send(app)
    reporter = with_receipt(app, receipt)
    assert save_address(reporter, ADDRESS).status_code == 303
    smtp.stop()
    officer_writes(officer_client, reference, "Hello")  # pending: the row is written again
    stored = database_bytes(app)
    for part in (
        ADDRESS,
        "jo.alerts",
        "qvmail",
        ADDRESS.encode("utf-16-le").decode("latin-1"),
    ):
        assert part.encode("latin-1") not in stored


def test_an_address_moved_to_another_report_does_not_open(
    app: Flask, team: Any, officer_client: FlaskClient, smtp: SmtpServer
) -> None:
    first, receipt = send(app)
    second, _ = send(app)
    assert save_address(with_receipt(app, receipt), ADDRESS).status_code == 303
    with database(app).session() as db:
        ids = {r.reference: r.id for r in db.scalars(select(Report))}
        sealed = db.scalar(select(AlertAddress.sealed_address))
        db.add(AlertAddress(report_id=ids[second], sealed_address=sealed, pending=False))
        db.commit()
    officer_writes(officer_client, second, "Hello")
    assert smtp.received == []
    officer_writes(officer_client, first, "Hello")
    assert len(smtp.received) == 1


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter your email address"),
        ("   ", "Enter your email address"),
        ("not an email", "Enter an email address in the correct format"),
        ("a@b", "Enter an email address in the correct format"),
        ("one@example.org,two@example.org", "Enter an email address in the correct format"),
        ("one@example.org\r\nBcc: two@example.org", "Enter an email address in the correct format"),
        ("<one@example.org>", "Enter an email address in the correct format"),
        ("a" * 250 + "@example.org", "Email address must be 254 characters or fewer"),
    ],
)
def test_a_wrong_address_gets_a_govuk_error_and_keeps_what_was_typed(
    app: Flask, team: Any, smtp: SmtpServer, typed: str, error: str
) -> None:
    _reference, receipt = send(app)
    reporter = with_receipt(app, receipt)
    response = save_address(reporter, typed)
    assert response.status_code == 400
    text = page_text(response)
    assert "There is a problem" in text and error in text
    assert 'href="#email"' in response.get_data(as_text=True)
    if typed.strip() and "\r" not in typed:
        assert f'value="{typed.strip()}"' in text
    assert pending(app) == []


def test_no_typed_address_gives_a_500(app: Flask, team: Any, smtp: SmtpServer) -> None:
    _reference, receipt = send(app)
    reporter = with_receipt(app, receipt)

    @settings(max_examples=60, deadline=None)
    @given(typed=st.text(max_size=300) | st.emails().map(str))
    def check(typed: str) -> None:
        response = save_address(reporter, typed)
        assert response.status_code in (303, 400)
        if response.status_code == 303:
            alerts.clean_address(typed)  # only what the domain itself accepts is kept

    check()


def test_alerts_off_are_never_offered(app: Flask, team: Any) -> None:
    app.config["SMTP_HOST"] = None  # alerts off, as without the setting
    _reference, receipt = send(app)
    reporter = with_receipt(app, receipt)
    assert "Get an email" not in page_text(reporter.get("/replies/report"))
    page = page_text(reporter.get("/replies/alerts"))
    assert "Emails are not available for this report" in page and 'name="email"' not in page
    refused = save_address(reporter, ADDRESS)
    assert refused.status_code == 303 and refused.location.endswith("/replies/alerts")
    with database(app).session() as db:
        assert db.scalar(select(AlertAddress.report_id)) is None


def test_the_alert_pages_need_a_receipt_session(app: Flask, team: Any, smtp: SmtpServer) -> None:
    app.test_client_class = HttpsClient
    stranger = app.test_client()
    assert stranger.get("/replies/alerts").status_code == 404
    page = stranger.get("/replies").get_data(as_text=True)
    token = csrf_token(page)
    for path in ("/replies/alerts", "/replies/alerts/stop"):
        response = stranger.post(path, data={"csrf_token": token, "email": ADDRESS})
        assert response.status_code == 404
        assert "You have been signed out of your report" in page_text(response)


def test_an_old_report_without_messages_offers_no_emails(
    app: Flask, team: Any, smtp: SmtpServer
) -> None:
    _reference, receipt = send(app)
    with database(app).session() as db:
        db.execute(update(Report).values(reporter_data_key=None))
        db.commit()
    reporter = with_receipt(app, receipt)
    assert "Get an email" not in page_text(reporter.get("/replies/report"))
    assert save_address(reporter, ADDRESS).status_code == 303
    assert pending(app) == []


def test_mask_shows_only_first_letters() -> None:
    assert alerts.mask("jo@example.org") == "j\u2022\u2022\u2022@e\u2022\u2022\u2022.org"
    assert alerts.mask("a.b@mail.example.co.uk") == "a\u2022\u2022\u2022@m\u2022\u2022\u2022.uk"


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("SMTP_SECURITY", "tls"),
        ("SMTP_PORT", 0),
        ("SMTP_TIMEOUT_SECONDS", 0),
        ("ALERT_SUBJECT", "New\r\nBcc: someone@example.org"),
        ("ALERT_BODY", "Read it at {link}"),
        ("SMTP_FROM", None),
        ("SMTP_USERNAME", "relay-user"),
    ],
)
def test_unsafe_alert_settings_stop_the_app(tmp_path: Any, setting: str, value: Any) -> None:
    config = {**base_config(tmp_path), **smtp_config(2525), setting: value}
    with pytest.raises(ConfigError):
        create_app(config)


def test_the_link_setting_goes_into_the_body(tmp_path: Any) -> None:
    config = {
        **base_config(tmp_path),
        **smtp_config(2525),
        "ALERT_BODY": "Go to {link} and enter your receipt.",
        "ALERT_LINK": "https://messages.example.net/",
    }
    smtp = alerts.settings(create_app(config).config)
    assert (
        smtp is not None
        and smtp.body == "Go to https://messages.example.net/ and enter your receipt."
    )


def test_starttls_is_never_given_up_for_a_server_without_it(
    app: Flask, team: Any, officer_client: FlaskClient, smtp: SmtpServer
) -> None:
    """With SMTP_SECURITY starttls, a server that does not offer STARTTLS (this one does not)
    gets no email in clear: the alert stays pending."""
    app.config["SMTP_SECURITY"] = "starttls"
    reference, receipt = send(app)
    assert save_address(with_receipt(app, receipt), ADDRESS).status_code == 303
    officer_writes(officer_client, reference, "Hello")
    assert smtp.received == []
    assert pending(app) == [True]
    assert NOT_YET in page_text(officer_client.get(f"/staff/reports/{reference}"))
