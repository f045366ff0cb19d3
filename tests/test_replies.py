"""Coming back with the receipt: check for replies, read the team's messages, answer them.

What a reporter sees, what someone guessing receipts sees, and what the database keeps.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import re
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from reporting import clock, crypto, follow_up, messages, reports
from reporting.db import database
from reporting.models import AuditEntry, Message, ReceiptSession, Report

from .helpers import HttpsClient, Reporter, csrf_token, database_bytes, full_answers

MARKER = "Rp4Marker"
KEPT = "Kp4Kept"  # a reply refused for its errors, kept for the next page
COOKIE = "__Host-replies"
TODAY = dt.date(2026, 12, 10)
NOT_RECOGNISED = "We could not find a report with that receipt. Check the 16 digits"


# --- Helpers ---------------------------------------------------------------------------------


def send(app: Flask) -> tuple[str, str]:
    """Send a report through the journey; its reference and receipt (16 digits)."""
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    reporter.answer_all(full_answers(MARKER))
    html = reporter.send().get_data(as_text=True)
    reference = re.search(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", html)
    groups = re.findall(r'app-receipt__group">(\d{4})<', html)
    assert reference and len(groups) == 4, html[:2000]
    return reference.group(0), "".join(groups)


def report_row(app: Flask, reference: str) -> Report:
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        db.expunge(report)
        return report


def team_post(app: Flask, team: Any, reference: str, text: str) -> None:
    """An officer's message, posted the way the report page does (messages.post)."""
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        data_key = reports.open_data_key(db, report, team.private_keys)
        messages.post(db, report, data_key, text, author="team", today=TODAY)
        db.commit()


def team_reads(app: Flask, team: Any, reference: str) -> list[messages.MessageView]:
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        return messages.thread(db, report, reports.open_data_key(db, report, team.private_keys))


def new_client(app: Flask, address: str = "203.0.113.77") -> FlaskClient:
    app.test_client_class = HttpsClient
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def try_receipt(client: FlaskClient, receipt: str) -> Any:
    page = client.get("/replies").get_data(as_text=True)
    return client.post("/replies", data={"csrf_token": csrf_token(page), "receipt": receipt})


def fields(client: FlaskClient) -> dict[str, str]:
    """The report page's hidden fields, read from a fresh copy of it: the CSRF token and the
    one-use form token (a form is acted on once: a second POST of it does nothing)."""
    html = client.get("/replies/report").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([0-9a-f]+)"', html)
    assert token, "no form token on the report page"
    return {"csrf_token": csrf_token(html), "form_token": token.group(1)}


def without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" (type="hidden" )?value="[^"]+"', "TOKEN", html)


def session_count(app: Flask) -> int:
    with database(app).session() as db:
        return int(db.scalar(select(func.count()).select_from(ReceiptSession)) or 0)


def receipt_cookie(client: FlaskClient) -> follow_up.ReceiptCookie:
    stored = client.get_cookie(COOKIE)
    assert stored is not None
    cookie = follow_up.ReceiptCookie.parse(stored.value)
    assert cookie is not None
    return cookie


def open_session_at(app: Flask, receipt: str, when: dt.datetime) -> str:
    """A session opened at ``when`` (as if the reporter checked then); the cookie's value."""
    with database(app).session() as db:
        cookie = follow_up.open_with_receipt(
            db,
            receipt,
            pepper=bytes.fromhex(app.config["RECEIPT_PEPPER"]),
            receipt_kdf=app.config["RECEIPT_KDF"],
            now=when,
        )
        db.commit()
    return cookie.value()


# --- The loop --------------------------------------------------------------------------------


def test_the_reporter_reads_the_teams_message_and_replies(app: Flask, team: Any) -> None:
    reference, receipt = send(app)
    team_post(app, team, reference, "Thank you. Can you tell us\nwhich bus it was?")
    client = new_client(app)

    checked = try_receipt(client, receipt)
    assert checked.status_code == 303
    assert checked.location == "/replies/report"
    page = client.get("/replies/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert reference in html
    assert "Received" in html  # the status of a new report, in the reporter's words
    received = report_row(app, reference).received_on.strftime("%-d %B %Y")
    assert f"We received your report on {received}" in html
    assert "Thank you. Can you tell us<br>which bus it was?" in html
    assert "From the team" in html
    # Never the reporter's earlier answers.
    assert MARKER not in html
    # Shown: so read by the reporter.
    with database(app).session() as db:
        assert db.scalars(select(Message.read_by_reporter)).all() == [True]

    reply = client.post(
        "/replies/report/message", data={**fields(client), "message": "The 42, at 6pm."}
    )
    assert reply.status_code == 303
    assert reply.location == "/replies/report"
    after = client.get(reply.location).get_data(as_text=True)
    assert "Your message has been sent" in after
    assert "The 42, at 6pm." in after and "From you" in after

    # The team reads the reply with the report's data key; it is marked unread for them.
    thread = team_reads(app, team, reference)
    assert [(m.author, m.text) for m in thread] == [
        ("team", "Thank you. Can you tell us\nwhich bus it was?"),
        ("reporter", "The 42, at 6pm."),
    ]
    report = report_row(app, reference)
    with database(app).session() as db:
        assert messages.reports_with_unread_from_reporter(db, [report.id]) == {report.id}
        # Nothing the reporter did is in the audit log (its times have seconds).
        actions = set(db.scalars(select(AuditEntry.action)))
    assert "message-sent" in actions  # the team's, posted above
    assert not {a for a in actions if "reporter" in a or "receipt" in a}


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("new", "Received"),
        ("in-review", "Being looked at"),
        ("referred", "Passed on"),
        ("closed", "Closed"),
    ],
)
def test_the_status_is_in_plain_words(app: Flask, team: Any, status: str, words: str) -> None:
    reference, receipt = send(app)
    with database(app).session() as db:
        db.execute(update(Report).where(Report.reference == reference).values(status=status))
        db.commit()
    client = new_client(app)
    try_receipt(client, receipt)
    html = client.get("/replies/report").get_data(as_text=True)
    assert re.search(rf"Status\s*</dt>\s*<dd[^>]*>\s*{words}\s*</dd>", html), html


def test_a_new_report_an_officer_has_opened_is_being_looked_at(app: Flask, team: Any) -> None:
    reference, receipt = send(app)
    client = new_client(app)
    try_receipt(client, receipt)
    html = client.get("/replies/report").get_data(as_text=True)
    assert "A reviewing officer will read it." in html
    with database(app).session() as db:  # an officer opened it and left its status as new
        db.execute(
            update(Report)
            .where(Report.reference == reference)
            .values(first_looked_on=dt.date.today())
        )
        db.commit()
    html = client.get("/replies/report").get_data(as_text=True)
    assert re.search(r"Status\s*</dt>\s*<dd[^>]*>\s*Being looked at\s*</dd>", html), html
    assert "A reviewing officer has read it." in html


def test_a_message_that_is_empty_or_too_long_is_refused_and_what_was_typed_kept(
    app: Flask, team: Any
) -> None:
    _reference, receipt = send(app)
    client = new_client(app)
    try_receipt(client, receipt)
    # Every answer to a POST is a redirect to a GET: Back and refresh never send it again.
    empty = client.post("/replies/report/message", data=fields(client))
    assert empty.status_code == 303 and empty.location == "/replies/report"
    for _shown in range(2):  # the page, then a refresh (or Back) of it
        shown = client.get("/replies/report")
        assert shown.status_code == 400
        assert "Enter your message" in shown.get_data(as_text=True)
        assert 'class="govuk-error-summary' in shown.get_data(as_text=True)
    long_text = "a" * 2999 + "<b>"
    form = fields(client)
    too_long = client.post("/replies/report/message", data={**form, "message": long_text})
    assert too_long.status_code == 303 and too_long.location == "/replies/report"
    assert long_text not in too_long.location
    for _shown in range(2):
        shown = client.get("/replies/report")
        html = shown.get_data(as_text=True)
        assert shown.status_code == 400
        assert "Your message must be 3,000 characters or fewer" in html
        assert 'href="#message"' in html
        assert "a" * 2999 + "&lt;b&gt;</textarea>" in html  # kept, and escaped
        assert "Your message has been sent" not in html
    # A second click on "Send message" with the same form: the same page, nothing sent.
    again = client.post("/replies/report/message", data={**form, "message": long_text})
    assert again.status_code == 303 and again.location == "/replies/report"
    assert "a" * 2999 + "&lt;b&gt;</textarea>" in client.get("/replies/report").get_data(
        as_text=True
    )
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(Message)) == 0
    # 3,000 characters with Windows line breaks counted as one each: accepted.
    exact = client.post(
        "/replies/report/message", data={**fields(client), "message": "b\r\n" * 1000}
    )
    assert exact.status_code == 303 and exact.location == "/replies/report"
    # Sent: the text kept is forgotten, on this page and every one after it; the
    # confirmation is shown once, not again on a refresh.
    for shown_before in (False, True):
        after = client.get("/replies/report")
        assert ("Your message has been sent" in after.get_data(as_text=True)) != shown_before
        html = after.get_data(as_text=True)
        assert after.status_code == 200
        assert "a" * 2999 not in html and "govuk-error-summary" not in html
        assert re.search(r"<textarea[^>]*>\s*</textarea>", html), html
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(Message)) == 1


def test_a_refused_message_is_forgotten_when_the_session_ends(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = new_client(app)
    try_receipt(client, receipt)
    page = client.get("/replies/report").get_data(as_text=True)
    client.post("/replies/report/message", data={**fields(client), "message": "x" * 3001})
    assert "x" * 3001 in client.get("/replies/report").get_data(as_text=True)
    client.post("/replies/sign-out", data={"csrf_token": csrf_token(page)})
    try_receipt(client, receipt)
    shown = client.get("/replies/report")
    assert shown.status_code == 200 and "x" * 3001 not in shown.get_data(as_text=True)


def test_no_reply_however_odd_answers_500(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = new_client(app)
    try_receipt(client, receipt)
    for odd in ["\x00", " \r\n\t ", "\u202e" * 3001, "é" * 15_000, "\r" * 3001, "</textarea>"]:
        posted = client.post("/replies/report/message", data={**fields(client), "message": odd})
        assert posted.status_code == 303, repr(odd[:10])
        shown = client.get("/replies/report")
        assert shown.status_code in (200, 400), repr(odd[:10])
    # Two values under one name: the first is the one kept, as the form reads it.
    posted = client.post(
        "/replies/report/message", data={**fields(client), "message": ["", "second"]}
    )
    assert posted.status_code == 303
    assert client.get("/replies/report").status_code == 400
    # The last odd one, "</textarea>", was sent: it is shown escaped.
    html = client.get("/replies/report").get_data(as_text=True)
    assert "&lt;/textarea&gt;" in html


def test_an_old_report_without_a_data_key_says_messages_are_not_available_yet(
    app: Flask, team: Any
) -> None:
    reference, receipt = send(app)
    with database(app).session() as db:
        db.execute(
            update(Report).where(Report.reference == reference).values(reporter_data_key=None)
        )
        db.commit()
    client = new_client(app)
    assert try_receipt(client, receipt).status_code == 303
    html = client.get("/replies/report").get_data(as_text=True)
    assert "Messages are not available for this report yet" in html
    assert "a reviewing officer has to open your report once" in html
    assert "/replies/report/message" not in html  # no form to send one
    sent = client.post(
        "/replies/report/message", data={"csrf_token": csrf_token(html), "message": "Hello"}
    )
    assert sent.status_code == 303 and sent.location == "/replies/report"
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(Message)) == 0
        # Once an officer opens it (and fills the reporter's copy in), the next check works.
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        messages.ensure_reporter_data_key(
            db, report, reports.open_data_key(db, report, team.private_keys)
        )
        db.commit()
    again = new_client(app, "198.51.100.3")
    try_receipt(again, receipt)
    assert "Send message" in again.get("/replies/report").get_data(as_text=True)


# --- Wrong receipts --------------------------------------------------------------------------


def test_every_wrong_receipt_gets_the_same_page_byte_for_byte(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    wrong_digit = receipt[:-1] + str((int(receipt[-1]) + 1) % 10)
    wrongs = [
        "12",  # too short
        "abcd efgh ijkl mnop",  # not digits
        "1" * 200,  # far too long
        "0000 0000 0000 0000",  # 16 digits, nobody's
        wrong_digit,  # one digit out
        receipt + "1",  # 17 digits
        "\u202e" + receipt,  # a control character
    ]
    client = new_client(app)
    pages, headers, bodies = [], [], []
    for wrong in wrongs + wrongs[-2:]:  # the last two tried twice: the same again
        response = try_receipt(client, wrong)
        assert response.status_code == 303, wrong
        assert response.location == "/replies?error=not-found"
        assert COOKIE not in " ".join(response.headers.getlist("Set-Cookie"))
        headers.append(sorted((k, v) for k, v in response.headers.items() if k != "Set-Cookie"))
        bodies.append(response.get_data())
        for _shown in range(2):  # the page it leads to, then a refresh (or Back) of it
            shown = client.get(response.location)
            html = shown.get_data(as_text=True)
            assert shown.status_code == 400, wrong
            assert NOT_RECOGNISED in html
            assert 'class="govuk-error-summary' in html and 'href="#receipt"' in html
            pages.append(without_token(html))
    assert len(set(pages)) == 1
    assert all(h == headers[0] for h in headers)
    assert len(set(bodies)) == 1
    assert "0000 0000" not in pages[0] and wrong_digit not in pages[0]  # nothing typed shown
    assert session_count(app) == 0


@pytest.mark.parametrize(
    "typed",
    [
        "{0}-{1}-{2}-{3}",
        " {0} {1}  {2} {3} ",
        "{0}.{1}.{2}.{3}",
        "{0}\u2013{1}\u2013{2}\u2013{3}",  # en dashes
    ],
)
def test_the_right_receipt_however_it_is_separated(app: Flask, team: Any, typed: str) -> None:
    _reference, receipt = send(app)
    groups = [receipt[i : i + 4] for i in range(0, 16, 4)]
    response = try_receipt(new_client(app), typed.format(*groups))
    assert response.status_code == 303


def test_the_right_receipt_in_full_width_digits(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    full_width = "".join(chr(0xFF10 + int(d)) for d in receipt)
    assert try_receipt(new_client(app), full_width).status_code == 303


def test_an_empty_receipt_asks_for_one(client: FlaskClient) -> None:
    response = try_receipt(client, "   ")
    assert response.status_code == 303 and response.location == "/replies?error=empty"
    for _shown in range(2):  # the page, then a refresh (or Back) of it
        shown = client.get(response.location)
        html = shown.get_data(as_text=True)
        assert shown.status_code == 400
        assert "Enter the 16 digits of your receipt" in html
        assert 'class="govuk-error-summary' in html and 'href="#receipt"' in html


def test_the_error_in_the_address_is_harmless(client: FlaskClient) -> None:
    plain = client.get("/replies")
    for crafted in ("nonsense", "<script>", "", "not-found&error=empty"):
        shown = client.get("/replies", query_string={"error": crafted})
        assert shown.status_code == 200
        assert without_token(shown.get_data(as_text=True)) == without_token(
            plain.get_data(as_text=True)
        )
    # The two known errors show their words and nothing else (no receipt to show).
    for known, words in (("not-found", NOT_RECOGNISED), ("empty", "Enter the 16 digits")):
        shown = client.get(f"/replies?error={known}&receipt=1234567890123456")
        html = shown.get_data(as_text=True)
        assert shown.status_code == 400 and words in html and "1234567890123456" not in html


def test_argon2id_runs_for_every_receipt_tried_however_malformed(
    app: Flask, team: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _reference, receipt = send(app)
    derived: list[str] = []
    real = crypto.derive_receipt_secrets

    def spy(digits: str, pepper: bytes, params: crypto.Argon2Params) -> crypto.ReceiptSecrets:
        derived.append(digits)
        return real(digits, pepper, params)

    monkeypatch.setattr(crypto, "derive_receipt_secrets", spy)
    client = new_client(app)
    for typed in ["12", "x" * 500, "0000000000000000", receipt]:
        try_receipt(client, typed)
    assert len(derived) == 4


def test_a_report_whose_key_does_not_open_is_not_recognised_like_any_other(
    app: Flask, team: Any
) -> None:
    reference, receipt = send(app)
    with database(app).session() as db:
        sealed = db.scalar(
            select(Report.reporter_private_key_encrypted).where(Report.reference == reference)
        )
        assert sealed is not None
        damaged = sealed[:-1] + bytes([sealed[-1] ^ 1])
        db.execute(
            update(Report)
            .where(Report.reference == reference)
            .values(reporter_private_key_encrypted=damaged)
        )
        db.commit()
    client = new_client(app)
    damaged = try_receipt(client, receipt)
    unknown = try_receipt(client, "0000000000000000")
    assert damaged.status_code == unknown.status_code == 303
    assert damaged.location == unknown.location
    assert damaged.get_data() == unknown.get_data()
    assert session_count(app) == 0
    damaged_page, unknown_page = client.get(damaged.location), client.get(unknown.location)
    assert damaged_page.status_code == unknown_page.status_code == 400
    assert without_token(damaged_page.get_data(as_text=True)) == without_token(
        unknown_page.get_data(as_text=True)
    )


# --- The session -----------------------------------------------------------------------------


def test_the_session_ends_after_20_idle_minutes_with_a_clear_page(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = new_client(app)
    idle = clock.utcnow() - dt.timedelta(minutes=21)
    client.set_cookie(COOKIE, open_session_at(app, receipt, idle))
    assert session_count(app) == 1
    response = client.get("/replies/report")
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "done nothing for 20 minutes" in html
    assert 'href="/replies"' in html
    assert session_count(app) == 0  # deleted as soon as it was found expired
    assert client.get_cookie(COOKIE) is None


def test_each_request_pushes_the_idle_end_back(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    value = open_session_at(app, receipt, clock.utcnow() - dt.timedelta(minutes=15))
    cookie = follow_up.ReceiptCookie.parse(value)
    with database(app).session() as db:
        session = follow_up.load(db, cookie)  # 5 minutes left: pushed to 20 from now
        db.commit()
        later = session.expires_at - dt.timedelta(minutes=1)
        assert follow_up.load(db, cookie, now=later).report_id == session.report_id
        db.commit()
        with pytest.raises(follow_up.ReceiptSessionExpired):
            follow_up.load(db, cookie, now=later + dt.timedelta(minutes=21))
        db.commit()
        with pytest.raises(follow_up.ReceiptSessionMissing):
            follow_up.load(db, cookie)


def test_no_session_or_a_forged_one_gets_the_signed_out_page(client: FlaskClient) -> None:
    for value in (None, "garbage", follow_up.ReceiptCookie("ab" * 16, b"k" * 32).value()):
        if value is not None:
            client.set_cookie(COOKIE, value)
        response = client.get("/replies/report")
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert "You have been signed out of your report" in html
        assert 'href="/replies"' in html


def test_a_message_sent_after_the_session_ended_is_shown_back_to_copy(
    app: Flask, team: Any
) -> None:
    _reference, receipt = send(app)
    client = new_client(app)
    try_receipt(client, receipt)
    page = client.get("/replies/report").get_data(as_text=True)
    with database(app).session() as db:
        db.execute(ReceiptSession.__table__.delete())
        db.commit()
    response = client.post(
        "/replies/report/message",
        data={"csrf_token": csrf_token(page), "message": "Line one\nLine <two>"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Your last message was not sent" in html
    assert "Line one<br>Line &lt;two&gt;" in html


def test_sign_out_ends_the_session(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = new_client(app)
    try_receipt(client, receipt)
    page = client.get("/replies/report").get_data(as_text=True)
    assert session_count(app) == 1
    out = client.post("/replies/sign-out", data={"csrf_token": csrf_token(page)})
    assert out.status_code == 303 and out.location == "/replies/signed-out"
    assert session_count(app) == 0
    assert client.get_cookie(COOKIE) is None
    assert "You have signed out" in client.get(out.location).get_data(as_text=True)
    assert client.get("/replies/report").status_code == 404


def test_exit_this_page_ends_the_session(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = new_client(app)
    try_receipt(client, receipt)
    stolen = client.get_cookie(COOKIE)
    assert stolen is not None
    html = client.get("/replies/report").get_data(as_text=True)
    assert 'href="/exit"' in html  # the exit button and the footer's link
    leaving = client.get("/exit")
    assert leaving.location == app.config["EXIT_URL"]
    assert session_count(app) == 0
    assert client.get_cookie(COOKIE) is None
    # The cookie copied before leaving opens nothing now.
    client.set_cookie(COOKIE, stolen.value)
    assert client.get("/replies/report").status_code == 404


def test_a_new_check_ends_the_browsers_earlier_session(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = new_client(app)
    try_receipt(client, receipt)
    first = receipt_cookie(client)
    try_receipt(client, receipt)
    assert receipt_cookie(client) != first
    assert session_count(app) == 1


def test_no_url_names_a_report_and_no_id_reaches_another(app: Flask, team: Any) -> None:
    mine, receipt = send(app)
    other, _ = send(app)
    team_post(app, team, other, "For the other reporter only")
    other_id = report_row(app, other).id
    # No replies route takes an argument: there is no id to change.
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("replies.")]
    assert len(rules) == 11 and all(not r.arguments for r in rules)
    client = new_client(app)
    urls = [try_receipt(client, receipt).location]
    for path in [
        "/replies/report",
        f"/replies/report?id={other_id}",
        f"/replies/report?reference={other}",
        f"/replies/report/{other_id}",
    ]:
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert other not in html and "For the other reporter only" not in html
        urls += re.findall(r'(?:href|action)="([^"]*)"', html)
    assert client.get(f"/replies/report/{other_id}").status_code == 404
    mine_id = report_row(app, mine).id
    cookie = receipt_cookie(client)
    for url in urls:
        for secret in (mine_id, mine, other_id, other, cookie.token, cookie.session_id):
            assert secret not in (url or ""), url


def test_the_database_holds_no_cookie_key_and_no_time_finer_than_a_day(
    app: Flask, team: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reference, receipt = send(app)
    client = new_client(app)
    try_receipt(client, receipt)
    client.get("/replies/report")
    client.post("/replies/report/message", data={**fields(client), "message": MARKER})
    # A reply refused (too long) is kept for the next page: sealed, like the rest of the row.
    refused = f"{KEPT} " * 400
    kept = client.post("/replies/report/message", data={**fields(client), "message": refused})
    assert kept.status_code == 303 and KEPT not in (kept.location or "")
    shown = client.get("/replies/report")
    assert shown.status_code == 400 and refused.strip() in shown.get_data(as_text=True)
    cookie = receipt_cookie(client)
    stored = database_bytes(app)
    for secret in (
        cookie.key,
        base64.urlsafe_b64encode(cookie.key).rstrip(b"="),
        cookie.token.encode(),
        receipt.encode(),
        MARKER.encode(),
        KEPT.encode(),
    ):
        assert secret not in stored
    logs = caplog.text + " ".join(str(record.args) for record in caplog.records)
    assert KEPT not in logs and MARKER not in logs
    with database(app).session() as db:
        # It is there, for the cookie's key only.
        sealed = db.scalar(select(ReceiptSession.sealed))
        assert sealed is not None
        context = f"receipt-session:{cookie.session_id}:v1".encode()
        assert KEPT.encode() in crypto.decrypt(cookie.key, sealed, context=context)
    with database(app).session() as db:
        row = db.scalar(select(ReceiptSession))
        assert row is not None
        assert row.id == hashlib.sha256(cookie.token.encode()).hexdigest()
        assert set(ReceiptSession.__table__.columns.keys()) == {"id", "sealed", "purge_on"}
        assert type(row.purge_on) is dt.date
        assert row.purge_on <= clock.utcnow().date() + dt.timedelta(days=1)
        # Nothing in clear names the report: only the cookie's key opens the row.
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        assert report.id.encode() not in row.sealed and reference.encode() not in row.sealed


def test_purge_drafts_deletes_receipt_sessions_from_their_purge_day(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    open_session_at(app, receipt, dt.datetime(2000, 1, 1))
    open_session_at(app, receipt, clock.utcnow())
    output = app.test_cli_runner().invoke(args=["purge-drafts"]).output
    assert "1 expired receipt session(s)" in output
    assert session_count(app) == 1


# --- Limits ----------------------------------------------------------------------------------


def test_receipts_tried_from_one_network_are_limited(make_app: Any) -> None:
    app = make_app(RATELIMIT_RECEIPT_NETWORK="3 per hour")
    guesser = new_client(app, "203.0.113.5")
    statuses = []
    for _ in range(4):
        response = try_receipt(guesser, "0000000000000000")
        statuses.append(response.status_code)
        if response.status_code == 303:  # the error page it leads to, and a refresh: GETs
            assert guesser.get(response.location).status_code == 400
            assert guesser.get(response.location).status_code == 400
    assert statuses == [303, 303, 303, 429]
    refused = try_receipt(new_client(app, "203.0.113.200"), "1111111111111111")  # same /24
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "too many attempts to check for replies" in html
    assert "Wait 60 minutes, then try again" in html or "Wait 59 minutes" in html
    assert 'href="/replies">Check for replies' in html
    assert "Continue your report" not in html
    assert try_receipt(new_client(app, "198.51.100.7"), "0000000000000000").status_code == 303


def test_the_global_ceiling_holds_against_many_networks_in_parallel(make_app: Any) -> None:
    app = make_app(
        RATELIMIT_RECEIPT_NETWORK="1000 per hour", RATELIMIT_RECEIPT_GLOBAL="12 per hour"
    )
    workers, tries = 6, 5
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def guess(network: int) -> None:
        client = new_client(app, f"10.{network}.0.1")
        token = csrf_token(client.get("/replies").get_data(as_text=True))
        start.wait()
        for n in range(tries):
            response = client.post(
                "/replies", data={"csrf_token": token, "receipt": f"{network:08d}{n:08d}"}
            )
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == workers * tries
    assert statuses.count(303) == 12
    assert statuses.count(429) == workers * tries - 12
    # A network never seen before is held back too.
    assert try_receipt(new_client(app, "192.0.2.1"), "0000000000000000").status_code == 429


# --- Links and words -------------------------------------------------------------------------


def test_check_for_replies_is_linked_and_the_old_promise_is_gone(app: Flask, team: Any) -> None:
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    start = reporter.get("/").get_data(as_text=True)
    reporter.start()
    reporter.answer_all(full_answers())
    confirmation = reporter.send().get_data(as_text=True)
    last_four = re.findall(r'app-receipt__group">(\d{4})<', confirmation)[-1]
    kept = reporter.client.post(
        "/report/sent",
        data={"csrf_token": csrf_token(confirmation), "last_four": last_four, "action": "check"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "You have your receipt" in kept
    for html in (start, confirmation, kept):
        assert "When that part of this service opens" not in html
        assert 'href="/replies">Check for replies</a> page to read messages' in html
        assert 'class="govuk-footer__link" href="/replies">Check for replies' in html
