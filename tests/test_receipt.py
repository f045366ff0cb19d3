"""After "Send report": the receipt survives a refresh, Back and a double click, is readable only
by the browser that sent it, and once its short sent state ends the pages say what happened."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from reporting import clock, drafts, reports, sent
from reporting.db import database
from reporting.models import Draft, Report

from .draft_clock import sent_until, set_sent_until
from .helpers import HttpsClient, Reporter, csrf_token, database_bytes, full_answers

DRAFT = "__Host-draft"
SESSION = "__Host-session"
REFERENCE = re.compile(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}")


def shown(html: str) -> tuple[str, str]:
    """The reference and receipt a page shows (AssertionError if it shows none)."""
    reference = REFERENCE.search(html)
    groups = re.findall(r'app-receipt__group">(\d{4})<', html)
    assert reference and len(groups) == 4, "no reference and receipt on this page"
    return reference.group(0), "".join(groups)


def ready_to_send(reporter: Reporter) -> tuple[str, str]:
    """Answer everything; the draft cookie's value and the check page's CSRF token."""
    reporter.start()
    reporter.answer_all(full_answers())
    token = csrf_token(reporter.get("/report/check").get_data(as_text=True))
    cookie = reporter.client.get_cookie(DRAFT)
    assert cookie is not None
    return cookie.value, token


def send_one(reporter: Reporter) -> str:
    """Start, answer everything and send; the receipt page's HTML."""
    reporter.start()
    reporter.answer_all(full_answers())
    response = reporter.send()
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def count(app: Flask, model: Any) -> int:
    with database(app).session() as db:
        return int(db.scalar(select(func.count()).select_from(model)))


def draft_row(app: Flask) -> Draft | None:
    with database(app).session() as db:
        return db.scalar(select(Draft))


def test_send_redirects_to_a_receipt_page_that_survives_a_refresh(app, reporter, team) -> None:
    _cookie, token = ready_to_send(reporter)
    response = reporter.client.post("/report/check", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.location.endswith("/report/sent")
    first = reporter.client.get("/report/sent")
    assert first.status_code == 200
    reference, receipt = shown(first.get_data(as_text=True))
    again = reporter.client.get("/report/sent")  # refresh
    assert shown(again.get_data(as_text=True)) == (reference, receipt)
    with database(app).session() as db:
        assert db.scalar(select(Report.reference)) == reference
    html = first.get_data(as_text=True)
    assert "Quote your reference if you contact us" in html
    assert "Keep your receipt private: it proves this report is yours" in html
    assert "Check for replies</a> page to read messages from the team" in html
    assert "add information" not in html  # not built yet: not promised
    assert 'href="#print-help"' in html and 'id="print-help"' in html
    assert "js/print-page.js" in html


def test_a_second_send_with_the_same_cookie_makes_no_second_report(app, reporter, team) -> None:
    """A double click: the second POST carries the cookie as it was before the first answer."""
    original, token = ready_to_send(reporter)
    assert reporter.client.post("/report/check", data={"csrf_token": token}).status_code == 303
    reference, receipt = shown(reporter.client.get("/report/sent").get_data(as_text=True))

    reporter.client.set_cookie(DRAFT, original)
    second = reporter.client.post("/report/check", data={"csrf_token": token})
    assert second.status_code == 303 and second.location.endswith("/report/sent")
    assert shown(reporter.client.get("/report/sent").get_data(as_text=True)) == (
        reference,
        receipt,
    )
    # And with the cookie the first answer set (the browser kept it).
    third = reporter.client.post("/report/check", data={"csrf_token": token})
    assert third.status_code == 303 and third.location.endswith("/report/sent")
    assert count(app, Report) == 1


def test_a_send_that_finds_the_draft_sent_meanwhile_rolls_back_and_shows_the_receipt(
    app, reporter, team, monkeypatch
) -> None:
    """The race a double click makes: both sends read the unsent draft, the other commits
    first, and this one's conditional UPDATE then matches nothing."""
    _cookie, token = ready_to_send(reporter)
    real_mark_sent = sent.mark_sent
    other: dict[str, str] = {}

    def other_request_sends_first(connection: Any, cookie: Any, *args: Any) -> bool:
        monkeypatch.setattr(sent, "mark_sent", real_mark_sent)  # for the other request
        with database(app).session() as db:
            result = reports.send_report(
                db,
                cookie,
                drafts.load_answers(db, cookie),
                pepper=bytes.fromhex(app.config["RECEIPT_PEPPER"]),
                receipt_kdf=app.config["RECEIPT_KDF"],
                today=dt.date.today(),
            )
            db.commit()
        other["reference"], other["receipt"] = result.reference, result.receipt
        return real_mark_sent(connection, cookie, *args)

    monkeypatch.setattr(sent, "mark_sent", other_request_sends_first)
    response = reporter.client.post("/report/check", data={"csrf_token": token})
    monkeypatch.undo()
    assert response.status_code == 303 and response.location.endswith("/report/sent")
    assert count(app, Report) == 1
    page = reporter.client.get("/report/sent").get_data(as_text=True)
    assert shown(page) == (other["reference"], other["receipt"])


def _same_browser(app: Flask, reporter: Reporter) -> FlaskClient:
    app.test_client_class = HttpsClient
    twin = app.test_client()
    for name in (DRAFT, SESSION):
        cookie = reporter.client.get_cookie(name)
        assert cookie is not None
        twin.set_cookie(name, cookie.value)
    return twin


def test_two_concurrent_sends_of_one_draft_make_one_report(
    app, reporter, team, monkeypatch
) -> None:
    """Two threads on a database file (or PostgreSQL) both read the draft, then both try to
    send it at the same moment: one report, and both get the same receipt page."""
    _cookie, token = ready_to_send(reporter)
    clients = [reporter.client, _same_browser(app, reporter)]
    real_mark_sent = sent.mark_sent
    both_read = threading.Barrier(2, timeout=10)

    def mark_sent_together(*args: Any) -> bool:
        both_read.wait()  # both requests have read the unsent draft
        return real_mark_sent(*args)

    monkeypatch.setattr(sent, "mark_sent", mark_sent_together)
    answers: list[Any] = [None, None]

    def send(index: int) -> None:
        answers[index] = clients[index].post("/report/check", data={"csrf_token": token})

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers] == [303, 303]
    assert count(app, Report) == 1
    pages = [c.get("/report/sent").get_data(as_text=True) for c in clients]
    assert shown(pages[0]) == shown(pages[1])


def test_only_the_sending_browser_can_see_the_receipt(app, reporter, team) -> None:
    original, _token = ready_to_send(reporter)
    response = reporter.client.post("/report/check", data={"csrf_token": _token})
    assert response.status_code == 303
    reference, receipt = shown(reporter.client.get("/report/sent").get_data(as_text=True))
    # Nothing in the database shows the receipt while it can still be shown.
    stored = database_bytes(app)
    for form in (receipt, " ".join(receipt[i : i + 4] for i in range(0, 16, 4))):
        assert form.encode() not in stored
    row = draft_row(app)
    assert row is not None and row.sent and row.answers is None and row.receipt
    assert reference.encode() not in row.receipt

    app.test_client_class = HttpsClient
    stranger = app.test_client()
    for cookie in (None, original.split(".")[0] + "." + "A" * 43 + ".sent"):
        if cookie:
            stranger.set_cookie(DRAFT, cookie)  # the right draft id, another key
        html = stranger.get("/report/sent").get_data(as_text=True)
        assert receipt[:4] not in html and "app-receipt__group" not in html
        assert "We cannot show your receipt again" in html or "has been sent" in html


def test_back_to_the_journey_after_sending_shows_the_receipt(app, reporter, team) -> None:
    reference, receipt = shown(send_one(reporter))
    for path in ("/report/check", "/report/account"):
        back = reporter.client.get(path)
        assert back.status_code == 303 and back.location.endswith("/report/sent"), path
    assert shown(reporter.client.get("/report/sent").get_data(as_text=True)) == (
        reference,
        receipt,
    )


def test_right_last_four_digits_end_the_sent_state(app, reporter, team) -> None:
    _cookie, _token = ready_to_send(reporter)
    html = send_one(reporter)
    _reference, receipt = shown(html)
    confirmed = reporter.client.post(
        "/report/sent", data={"csrf_token": csrf_token(html), "last_four": receipt[-4:]}
    )
    assert confirmed.status_code == 303 and confirmed.location.endswith("/report/receipt-kept")
    assert draft_row(app) is None
    cookie = reporter.client.get_cookie(DRAFT)
    assert cookie is not None and cookie.value == "sent"  # nothing secret left
    kept = reporter.client.get("/report/receipt-kept")
    assert "You have your receipt" in kept.get_data(as_text=True)
    _assert_sent_and_gone(reporter, receipt)


def _assert_sent_and_gone(reporter: Reporter, receipt: str) -> None:
    """After the sent state: refresh, Back or a second send say the report went."""
    page = reporter.client.get("/report/sent")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Your report has been sent" in html and "cannot show it again" in html
    assert "make a new report" in html
    assert receipt[-8:] not in html and "app-receipt__group" not in html
    for method, path in (("GET", "/report/check"), ("GET", "/report/danger")):
        response = reporter.client.open(path, method=method)
        assert response.status_code == 303 and response.location.endswith("/report/sent")
    resend = reporter.client.post(
        "/report/check", data={"csrf_token": csrf_token(reporter.get("/").get_data(as_text=True))}
    )
    assert resend.status_code == 303 and resend.location.endswith("/report/sent")


def test_wrong_last_four_digits_are_explained_and_the_receipt_stays(app, reporter, team) -> None:
    html = send_one(reporter)
    _reference, receipt = shown(html)
    wrong = str((int(receipt[-4:]) + 1) % 10000).zfill(4)
    for typed, message in (
        (wrong, "Those are not the last 4 digits of your receipt. Check what you wrote down"),
        ("", "Enter the last 4 digits of your receipt, or select Skip"),
        ("12a4", "Enter 4 digits, like 1234"),
        ("123456", "Enter 4 digits, like 1234"),
    ):
        response = reporter.client.post(
            "/report/sent", data={"csrf_token": csrf_token(html), "last_four": typed}
        )
        assert response.status_code == 303, typed
        page = reporter.client.get(response.location)
        again = page.get_data(as_text=True)
        assert page.status_code == 400, typed
        assert message in again and "There is a problem" in again, typed
        assert shown(again)[1] == receipt, typed
        assert again.startswith("<!DOCTYPE html>") and "<title>Error: " in again
        # What was typed is shown again, also after a refresh.
        for _ in range(2):
            field = re.search(r'<input[^>]*id="last-four"[^>]*>', page.get_data(as_text=True))
            assert field and f'value="{typed}"' in field.group(0), typed
            page = reporter.client.get(response.location)
    assert draft_row(app) is not None


def test_last_four_digits_typed_with_spaces_or_other_digits_count(app, reporter, team) -> None:
    html = send_one(reporter)
    _reference, receipt = shown(html)
    arabic = "".join(chr(0x0660 + int(d)) for d in receipt[-4:])
    response = reporter.client.post(
        "/report/sent",
        data={"csrf_token": csrf_token(html), "last_four": f" {arabic[:2]} {arabic[2:]}"},
    )
    assert response.location.endswith("/report/receipt-kept")


def test_skipping_ends_the_sent_state(app, reporter, team) -> None:
    html = send_one(reporter)
    _reference, receipt = shown(html)
    skipped = reporter.client.post(
        "/report/sent", data={"csrf_token": csrf_token(html), "action": "skip", "last_four": ""}
    )
    assert skipped.status_code == 303 and skipped.location.endswith("/report/sent")
    assert draft_row(app) is None
    _assert_sent_and_gone(reporter, receipt)


def test_checking_the_receipt_needs_the_csrf_token(app, reporter, team) -> None:
    html = send_one(reporter)
    _reference, receipt = shown(html)
    response = reporter.client.post("/report/sent", data={"last_four": receipt[-4:]})
    assert response.status_code == 400
    assert draft_row(app) is not None


def test_an_expired_sent_state_says_the_report_was_sent(app, reporter, team) -> None:
    _reference, receipt = shown(send_one(reporter))
    set_sent_until(app, reporter.client.get_cookie(DRAFT).value, dt.datetime(2000, 1, 1))
    _assert_sent_and_gone(reporter, receipt)
    assert reporter.client.get_cookie(DRAFT).value == "sent"


def test_purge_removes_expired_sent_rows_and_keeps_live_ones(app, reporter, team) -> None:
    send_one(reporter)
    runner = app.test_cli_runner()
    assert "Deleted 0 expired draft(s)" in runner.invoke(args=["purge-drafts"]).output
    assert draft_row(app) is not None
    # Its purge day is the day after the one its sent state ends in: make that today.
    with database(app).session() as db:
        db.execute(update(Draft).values(purge_on=clock.utcnow().date()))
        db.commit()
    assert "Deleted 1 expired draft(s)" in runner.invoke(args=["purge-drafts"]).output
    assert draft_row(app) is None


def test_the_sent_state_lasts_a_short_while(app, reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    before = clock.utcnow()
    reporter.send()
    row = draft_row(app)
    assert row is not None
    expected = before + dt.timedelta(minutes=sent.SENT_MINUTES)
    until = sent_until(app, reporter.client.get_cookie(DRAFT).value)
    assert expected <= until <= expected + dt.timedelta(seconds=30)
    # In clear, only the day it may be purged from.
    assert row.purge_on == until.date() + dt.timedelta(days=1)


def test_exit_from_the_receipt_page_deletes_it(app, reporter, team) -> None:
    _reference, receipt = shown(send_one(reporter))
    assert reporter.client.get("/exit").status_code == 302
    assert draft_row(app) is None
    back = reporter.client.get("/report/sent")
    html = back.get_data(as_text=True)
    assert back.status_code == 200
    assert "We cannot show your receipt again" in html and "If you sent a report" in html
    assert "app-receipt__group" not in html


def test_a_reference_clash_shows_the_reference_the_report_got(
    app, reporter, team, monkeypatch
) -> None:
    picks = iter(["HC-AAAA-AAAA", "HC-AAAA-AAAA", "HC-BBBB-BBBB"])
    monkeypatch.setattr(reports, "new_reference", lambda: next(picks))
    assert shown(send_one(reporter))[0] == "HC-AAAA-AAAA"
    assert shown(send_one(reporter))[0] == "HC-BBBB-BBBB"


def test_starting_again_from_the_receipt_page_ends_the_sent_state(app, reporter, team) -> None:
    send_one(reporter)
    assert reporter.start().status_code == 302
    with database(app).session() as db:
        assert db.scalar(select(func.count()).where(Draft.sent)) == 0
        assert count(app, Draft) == 1
