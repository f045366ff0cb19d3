"""The reporting journey through the test client, as a reporter (or a hostile client) sees it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from reporting import crypto, drafts
from reporting.db import database
from reporting.journey.pages import PAGES
from reporting.models import Draft, Report, ReportIncidentType, ReportKey, ReportStrand
from reporting.reports import open_report

from .draft_clock import DRAFT_COOKIE, set_draft_expiry
from .helpers import Reporter, csrf_token, full_answers

RECEIPT = re.compile(r"(\d{4}) (\d{4}) (\d{4}) (\d{4})")


def receipt_on(html: str) -> str:
    digits = re.findall(r'app-receipt__group">(\d{4})<', html)
    assert len(digits) == 4, "the confirmation page shows no receipt"
    return "".join(digits)


def test_start_page_explains_and_starts(reporter: Reporter) -> None:
    page = reporter.get("/")
    html = page.get_data(as_text=True)
    assert "hate incident" in html and "Start now" in html
    response = reporter.start()
    assert response.status_code == 302
    assert response.location.endswith(f"/report/{PAGES[0].slug}")


def test_whole_journey_sends_a_report_readable_with_the_team_key(app, reporter, team) -> None:
    reporter.start()
    answers = full_answers("Q")
    reporter.answer_all(answers)

    check = reporter.get("/report/check")
    html = check.get_data(as_text=True)
    assert "Two men followed me home Qaccount" in html
    assert "Kettering" in html and "12 March 2026" in html
    assert html.count("/report/why?change=1#strands") == 1

    sent = reporter.send()
    assert sent.status_code == 200
    html = sent.get_data(as_text=True)
    reference = re.search(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", html)
    assert reference
    receipt = receipt_on(html)
    assert len(receipt) == 16
    # Post/redirect/get: the send answers 303 to the receipt page, and the draft's cookie
    # says it was sent (test_receipt.py has the rest).
    (posted,) = sent.history
    assert posted.status_code == 303 and posted.location.endswith("/report/sent")
    assert any(
        h.startswith("__Host-draft=") and ".sent;" in h
        for h in posted.headers.getlist("Set-Cookie")
    )

    with database(app).session() as db:
        report = db.scalar(select(Report))
        assert report.reference == reference.group(0)
        assert report.district == "kettering"
        assert report.incident_month == "2026-03"
        assert report.reporter_type == "victim"
        assert report.received_on == dt.date.today()
        assert sorted(s.strand for s in report.strands) == ["race", "religion"]
        draft = db.scalar(select(Draft))  # its short-lived sent state: no answers left
        assert draft.sent and draft.answers is None
        opened = open_report(db, report, team.private_keys)
    assert opened["account"]["account"] == "Two men followed me home Qaccount"
    assert opened["when"]["incident_date"] == "2026-03-12"
    assert opened["contact-details"]["email"] == "personQ@example.org"
    assert set(opened) == set(answers)


def test_receipt_unlocks_the_reporters_key(app, reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    receipt = receipt_on(reporter.send().get_data(as_text=True))
    secrets = crypto.derive_receipt_secrets(
        f"{receipt[:4]} {receipt[4:8]}-{receipt[8:]}",
        bytes.fromhex(app.config["RECEIPT_PEPPER"]),
        app.config["RECEIPT_KDF"],
    )
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.receipt_lookup == secrets.lookup_id))
        assert report is not None
        private = crypto.decrypt(
            secrets.unlock_key,
            report.reporter_private_key_encrypted,
            context=f"report:{report.id}:reporter-key:v1".encode(),
        )
    assert len(private) == crypto.PRIVATE_KEY_BYTES


def test_validation_error_keeps_what_was_typed(reporter) -> None:
    reporter.start()
    answers = full_answers()
    for slug in list(answers)[:11]:
        reporter.answer(slug, answers[slug])
    too_long = "My words " + "x" * 10_000
    posted = reporter.answer("account", {"account": too_long})
    # POST-redirect-GET also after an error: the page with the errors is a GET.
    assert posted.status_code == 303 and posted.location.endswith("/report/account")
    response = reporter.get(posted.location)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "must be 10,000 characters or fewer" in html
    assert too_long in html
    assert "<title>Error: " in html


def test_missing_required_answer_is_explained(reporter) -> None:
    reporter.start()
    response = reporter.answer_shown("danger", {})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#danger"' in html
    assert "Select yes if anyone is in immediate danger" in html


def test_anyone_in_danger_is_told_to_call_999(reporter) -> None:
    reporter.start()
    response = reporter.answer("danger", {"danger": "yes"})
    assert response.location.endswith("/report/in-danger")
    assert "Call 999 now" in reporter.get(response.location).get_data(as_text=True)


def test_questions_cannot_be_skipped_by_address(reporter) -> None:
    reporter.start()
    response = reporter.client.get("/report/account")
    assert response.status_code == 302
    assert response.location.endswith("/report/danger")
    assert reporter.client.get("/report/check").location.endswith("/report/danger")


def test_change_link_returns_to_check_answers(reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    html = reporter.get("/report/check").get_data(as_text=True)
    assert "/report/district?change=1#district" in html
    response = reporter.answer("district", {"district": "corby"}, change=True)
    assert response.location.endswith("/report/check")
    assert "Corby" in reporter.get("/report/check").get_data(as_text=True)


def test_changing_contact_asks_the_new_follow_up_then_returns(reporter) -> None:
    reporter.start()
    answers = full_answers()
    answers["contact"] = {"contact": "receipt"}
    del answers["contact-details"], answers["contact-language"]
    reporter.answer_all(answers)
    response = reporter.answer("contact", {"contact": "phone"}, change=True)
    assert response.location.endswith("/report/contact-details?change=1")
    empty = reporter.answer_shown("contact-details", {"phone": "", "email": ""}, change=True)
    assert empty.status_code == 400
    assert "Enter your phone number" in empty.get_data(as_text=True)
    bad = reporter.answer_shown("contact-details", {"phone": "not a phone"}, change=True)
    assert bad.status_code == 400
    assert "Enter a phone number" in bad.get_data(as_text=True)
    ok = reporter.answer("contact-details", {"phone": "07700 900982"}, change=True)
    # Then the phone's own follow-up pages, and back to the check page.
    assert ok.location.endswith("/report/contact-times?change=1")
    ok = reporter.answer("contact-times", {"safe_times": "", "leave_message": "no"}, change=True)
    assert ok.location.endswith("/report/contact-language?change=1")
    ok = reporter.answer("contact-language", {"language_needs": ""}, change=True)
    assert ok.location.endswith("/report/check")


def test_choosing_no_contact_forgets_contact_details(app, reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    reporter.answer("contact", {"contact": "receipt"}, change=True)
    html = reporter.get("/report/check").get_data(as_text=True)
    assert "person@example.org" not in html
    reporter.send()
    with database(app).session() as db:
        opened = open_report(db, db.scalar(select(Report)), team.private_keys)
    assert "contact-details" not in opened


def test_exit_deletes_the_draft_and_its_cookie(app, reporter) -> None:
    reporter.start()
    reporter.answer("danger", {"danger": "no"})
    response = reporter.client.get("/exit")
    assert response.status_code == 302
    assert response.location == app.config["EXIT_URL"]
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("__Host-draft=;") for c in cookies)
    with database(app).session() as db:
        assert db.scalar(select(Draft)) is None
    # Nothing left to go back to, and the page says so.
    back = reporter.client.get("/report/reporting-as")
    assert back.status_code == 404
    assert "We cannot find your answers" in back.get_data(as_text=True)


def test_exit_page_link_is_on_every_journey_page(reporter) -> None:
    reporter.start()
    html = reporter.get("/report/danger").get_data(as_text=True)
    assert "govuk-exit-this-page" in html and 'href="/exit"' in html


def test_expired_draft_says_so_and_offers_a_fresh_start(app, reporter) -> None:
    reporter.start()
    reporter.answer("danger", {"danger": "no"})
    set_draft_expiry(app, reporter.client.get_cookie(DRAFT_COOKIE).value, dt.datetime(2000, 1, 1))
    response = reporter.get("/report/reporting-as")
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "Your answers have been deleted" in html and "Start again" in html
    restart = reporter.client.post("/start", data={"csrf_token": csrf_token(html)})
    assert restart.location.endswith("/report/danger")


def test_missing_csrf_token_keeps_typed_answer_and_draft(app, reporter) -> None:
    reporter.start()
    reporter.answer("danger", {"danger": "no"})
    response = reporter.client.post("/report/reporting-as", data={"reporter_type": "witness"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "timed out" in html
    assert re.search(r'value="witness" checked', html)
    # The draft survived: the earlier answer is still there.
    assert 'value="no" checked' in reporter.get("/report/danger").get_data(as_text=True)


def test_honeypot_filled_is_refused(reporter) -> None:
    reporter.start()
    response = reporter.answer("danger", {"danger": "no", "website": "http://spam"})
    assert response.status_code == 400


def test_unknown_question_is_404(reporter) -> None:
    reporter.start()
    response = reporter.client.get("/report/no-such-question")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_hostile_answers_get_messages_not_errors(reporter) -> None:
    reporter.start()
    answers = full_answers()
    for slug in list(answers)[:5]:
        reporter.answer(slug, answers[slug])
    for date in (
        [],
        ["1"],
        ["1", "2"],
        ["1", "2", "3", "4"],
        ["a", "b", "c"],
        ["", "13", "2025"],
        ["31", "2", "2025"],
        ["", "1", "99999"],
        ["1", "1", str(dt.date.today().year + 1)],
        ["\x00", "1", "2020"],
    ):
        response = reporter.answer_shown("when", {"incident_date": date})
        assert response.status_code == 400, date
        assert "There is a problem" in response.get_data(as_text=True)
    assert reporter.answer("when", {"incident_date": ["", "3", "2026"]}).status_code == 303
    assert reporter.answer_shown("time-of-day", {"time_of_day": "teatime"}).status_code == 400
    # A radio posted many times counts once, as a browser would send it.
    repeated = reporter.answer("time-of-day", {"time_of_day": ["morning", "night"] * 50})
    assert repeated.status_code == 303


def test_bad_checkbox_values_are_refused(reporter) -> None:
    reporter.start()
    reporter.answer("danger", {"danger": "no"})
    reporter.answer("reporting-as", {"reporter_type": "victim"})
    response = reporter.answer_shown("what-happened", {"incident_types": ["verbal", "<script>"]})
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True).split("</form>")[0].split("<form")[1]


def test_sending_without_a_team_key_is_a_clear_503(reporter) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    response = reporter.send()
    assert response.status_code == 503
    assert "not been set up" in response.get_data(as_text=True)


def test_a_reference_clash_picks_another(app, reporter, team, monkeypatch) -> None:
    from reporting import reports

    picks = iter(["HC-AAAA-AAAA", "HC-AAAA-AAAA", "HC-BBBB-BBBB"])
    monkeypatch.setattr(reports, "new_reference", lambda: next(picks))
    for _ in range(2):
        reporter.start()
        reporter.answer_all(full_answers())
        assert reporter.send().status_code == 200
    with database(app).session() as db:
        assert sorted(db.scalars(select(Report.reference))) == ["HC-AAAA-AAAA", "HC-BBBB-BBBB"]


def count(app, model: Any) -> int:
    with database(app).session() as db:
        return int(db.scalar(select(func.count()).select_from(model)))


def test_a_reference_that_stays_taken_is_given_up_after_five_tries(
    app, reporter, team, monkeypatch, caplog
) -> None:
    from reporting import reports

    picks: list[str] = []
    monkeypatch.setattr(reports, "new_reference", lambda: picks.append("") or "HC-AAAA-AAAA")
    reporter.start()
    reporter.answer_all(full_answers())
    assert reporter.send().status_code == 200
    reporter.start()
    reporter.answer_all(full_answers())
    assert reporter.send().status_code == 500
    assert "unhandled ReferenceClash" in caplog.text
    assert len(picks) == 1 + 5
    assert count(app, Report) == 1
    assert count(app, Draft) == 1  # the second reporter's answers are still there


def test_a_failure_after_the_report_row_is_written_leaves_no_part_of_it(
    app, reporter, team, monkeypatch
) -> None:
    """The report, its strands, types and keys, and the draft's deletion commit together.

    (The reference-clash retry used to wrap the report's insert in a savepoint, and on SQLite
    releasing it committed the report alone: a failure later left a report without keys.)
    """
    from reporting import reports

    real_insert = reports.insert

    def insert_failing_for_keys(table: Any) -> Any:
        if table is ReportKey:  # after the report, its strands and incident types
            raise RuntimeError("writing the keys failed")
        return real_insert(table)

    reporter.start()
    reporter.answer_all(full_answers())
    monkeypatch.setattr(reports, "insert", insert_failing_for_keys)
    assert reporter.send().status_code == 500
    for model in (Report, ReportStrand, ReportIncidentType, ReportKey):
        assert count(app, model) == 0, model.__name__
    assert count(app, Draft) == 1
    monkeypatch.undo()
    # Nothing half-sent is in the way: sending again works.
    assert reporter.send().status_code == 200
    assert count(app, Report) == 1 and count(app, ReportKey) == 1


def test_each_confirmation_shows_its_own_reference_and_receipt(app, reporter, team) -> None:
    """Each sender sees their own reference and receipt, and no one else's."""
    sent = []
    for _ in range(3):
        reporter.start()
        reporter.answer_all(full_answers())
        html = reporter.send().get_data(as_text=True)
        reference = re.search(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", html)
        assert reference
        receipt = receipt_on(html)
        sent.append((reference.group(0), receipt))
    assert len({reference for reference, _ in sent}) == 3
    assert len({receipt for _, receipt in sent}) == 3
    with database(app).session() as db:
        for reference, receipt in sent:
            lookup = crypto.derive_receipt_secrets(
                receipt, bytes.fromhex(app.config["RECEIPT_PEPPER"]), app.config["RECEIPT_KDF"]
            ).lookup_id
            report = db.scalar(select(Report).where(Report.reference == reference))
            assert report.receipt_lookup == lookup


def test_saving_a_draft_deleted_since_it_was_read_is_an_expired_draft(app) -> None:
    with database(app).session() as db:
        cookie = drafts.start_draft(db, idle_minutes=60)
        db.commit()
        assert drafts.load_answers(db, cookie) == {}
        with database(app).session() as other:  # "Exit this page" in another tab
            drafts.delete_draft(other, cookie)
            other.commit()
        with pytest.raises(drafts.DraftExpired):
            drafts.save_answers(db, cookie, {"danger": {"danger": "no"}}, idle_minutes=60)
