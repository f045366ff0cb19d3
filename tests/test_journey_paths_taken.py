"""Paths people really take through the journey: back, change, refresh, danger, wording.

Each test here failed on the journey as it was before issue 6 (a 500, a dead end, a lost
answer, or words that did not fit the person).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from reporting.db import database
from reporting.models import Report
from reporting.reports import open_data_key, open_report

from .helpers import Reporter, full_answers


def _answer_up_to(reporter: Reporter, last: str, answers: dict | None = None) -> None:
    answers = answers or full_answers()
    for slug, data in answers.items():
        response = reporter.answer(slug, data)
        assert response.status_code == 303, (slug, response.status_code)
        if slug == last:
            return


def test_the_date_page_shows_the_saved_date_again(reporter: Reporter) -> None:
    reporter.start()
    _answer_up_to(reporter, "time-of-day")
    for path in ("/report/when", "/report/when?change=1"):
        page = reporter.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert re.search(r'id="incident_date-day"[^>]*value="12"', html)
        assert re.search(r'id="incident_date-month"[^>]*value="3"', html)
        assert re.search(r'id="incident_date-year"[^>]*value="2026"', html)


def test_a_month_and_year_date_is_shown_again_without_a_day(reporter: Reporter) -> None:
    reporter.start()
    answers = full_answers()
    answers["when"] = {"incident_date": ["", "7", "2025"]}
    _answer_up_to(reporter, "time-of-day", answers)
    html = reporter.get("/report/when").get_data(as_text=True)
    assert re.search(r'id="incident_date-day"[^>]*value=""', html) or not re.search(
        r'id="incident_date-day"[^>]*value="\d', html
    )
    assert re.search(r'id="incident_date-month"[^>]*value="7"', html)


def test_an_impossible_date_gets_a_plain_message(reporter: Reporter) -> None:
    reporter.start()
    _answer_up_to(reporter, "why-details")
    for date in (["31", "2", "2025"], ["0", "1", "2025"], ["1", "13", "2025"]):
        html = reporter.answer_shown("when", {"incident_date": date}).get_data(as_text=True)
        assert "Date it happened must be a real date" in html, date
        assert "out of range" not in html and "must be in" not in html


def test_an_error_page_is_a_get_that_survives_refresh_and_back(reporter: Reporter) -> None:
    reporter.start()
    _answer_up_to(reporter, "district")
    typed = "The bus stop <on> Main Road " + "x" * 300
    posted = reporter.answer("location", {"place": typed})
    assert posted.status_code == 303
    for _ in range(2):  # the GET, then a refresh of it
        page = reporter.get(posted.location)
        html = page.get_data(as_text=True)
        assert page.status_code == 400
        assert "There is a problem" in html and "200 characters or fewer" in html
        assert "The bus stop &lt;on&gt; Main Road" in html
    # Back to the page before and forward again: the typed text is still there, and so is
    # every answer saved before the error.
    assert 'value="kettering" checked' in reporter.get("/report/district").get_data(as_text=True)
    assert "The bus stop &lt;on&gt;" in reporter.get("/report/location").get_data(as_text=True)


def test_a_corrected_answer_replaces_what_was_typed(app, reporter: Reporter, team) -> None:
    reporter.start()
    _answer_up_to(reporter, "district")
    reporter.answer("location", {"place": "wrong " * 100})
    ok = reporter.answer("location", {"place": "Market Square"})
    assert ok.status_code == 303
    html = reporter.get("/report/location").get_data(as_text=True)
    assert "Market Square" in html and "There is a problem" not in html
    rest = full_answers()
    for slug in list(rest)[list(rest).index("account") :]:
        reporter.answer(slug, rest[slug])
    # A page left with errors from the check page: its typed text never travels.
    reporter.answer("harm", {"harm": "left behind " * 300}, change=True)
    assert reporter.send().status_code == 200
    with database(app).session() as db:
        opened = open_report(db, db.scalar(select(Report)), team.private_keys)
    assert "left behind" not in str(opened) and "wrong" not in str(opened)
    assert not [key for key in opened if key.startswith("_")]


def test_in_danger_shows_how_to_call_then_carries_on(app, reporter: Reporter, team) -> None:
    reporter.start()
    response = reporter.answer("danger", {"danger": "yes"})
    assert response.location.endswith("/report/in-danger")
    html = reporter.get(response.location).get_data(as_text=True)
    assert 'href="tel:999"' in html and 'href="sms:18000"' in html
    assert "When you are safe" in html
    assert 'href="/report/reporting-as"' in html
    # The answer was kept: the report goes on, and reaches staff flagged.
    answers = full_answers()
    answers["danger"] = {"danger": "yes"}
    del answers["danger"]
    reporter.answer_all(answers)
    assert reporter.send().status_code == 200
    with database(app).session() as db:
        report = db.scalar(select(Report))
        assert report.in_danger is True
        assert open_report(db, report, team.private_keys)["danger"] == {"danger": "yes"}


def test_a_report_without_danger_is_not_flagged(app, reporter: Reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    reporter.send()
    with database(app).session() as db:
        assert db.scalar(select(Report)).in_danger is False


def test_witnesses_are_asked_about_them_not_about_you(reporter: Reporter) -> None:
    reporter.start()
    answers = full_answers()
    answers["reporting-as"] = {"reporter_type": "witness"}
    _answer_up_to(reporter, "witness-details", answers)
    harm = reporter.get("/report/harm").get_data(as_text=True)
    assert "Were you hurt" not in harm and "Was anyone hurt" in harm
    reporter.answer("harm", {"harm": ""})
    impact = reporter.get("/report/impact").get_data(as_text=True)
    assert "affected the person it happened to" in impact and "affected you" not in impact


def test_the_person_it_happened_to_is_asked_about_themselves(reporter: Reporter) -> None:
    reporter.start()
    _answer_up_to(reporter, "witness-details")
    assert "Were you hurt" in reporter.get("/report/harm").get_data(as_text=True)


def test_follow_up_pages_appear_only_after_the_answer_that_needs_them(reporter: Reporter) -> None:
    reporter.start()
    answers = full_answers()
    answers["witnesses"] = {"witnesses": "no"}
    del answers["witness-details"]
    answers["police"] = {"told_police": "no"}
    del answers["crime-reference"]
    answers["contact"] = {"contact": "receipt"}
    del answers["contact-details"], answers["contact-language"]
    answers["sharing"] = {"share_with_police": "no", "share_with_support": "no"}
    reporter.answer_all(answers)
    html = reporter.get("/report/check").get_data(as_text=True)
    for absent in ("witness-details", "crime-reference", "contact-details", "contact-times"):
        assert f"/report/{absent}" not in html
    # Asked for by address, a page that does not apply sends the person on.
    assert reporter.client.get("/report/witness-details").status_code == 302


def test_changing_an_answer_returns_to_check_through_its_follow_up(reporter: Reporter) -> None:
    reporter.start()
    answers = full_answers()
    answers["witnesses"] = {"witnesses": "no"}
    del answers["witness-details"]
    reporter.answer_all(answers)
    response = reporter.answer("witnesses", {"witnesses": "yes"}, change=True)
    assert response.location.endswith("/report/witness-details?change=1")
    back = reporter.get(response.location).get_data(as_text=True)
    assert re.search(r'href="/report/check"\s+class="govuk-back-link"', back)
    response = reporter.answer("witness-details", {"witness_details": "A bus driver"}, change=True)
    assert response.location.endswith("/report/check")


def test_im_not_sure_cannot_be_chosen_with_a_reason(reporter: Reporter) -> None:
    reporter.start()
    _answer_up_to(reporter, "what-happened")
    page = reporter.get("/report/why").get_data(as_text=True)
    assert 'data-behaviour="exclusive"' in page
    html = reporter.answer_shown("why", {"strands": ["race", "not-sure"]}).get_data(as_text=True)
    assert "or select \u201cI\u2019m not sure\u201d" in html or "or select" in html
    assert reporter.answer("why", {"strands": ["not-sure"]}).status_code == 303


def test_sharing_says_what_happens_and_depends_on_contact(reporter: Reporter) -> None:
    reporter.start()
    answers = full_answers()
    _answer_up_to(reporter, "contact-language", answers)
    html = reporter.get("/report/sharing").get_data(as_text=True)
    assert "Yes, with my contact details" in html
    assert "using the contact details you gave us" in html
    assert "cannot contact you about it" in html and "It is not a police report" in html
    reporter.answer("sharing", {"share_with_police": "with-details", "share_with_support": "no"})
    # Choosing no contact afterwards makes "with my contact details" impossible: asked again.
    response = reporter.answer("contact", {"contact": "receipt"}, change=True)
    assert response.location.endswith("/report/sharing?change=1")
    html = reporter.get(response.location).get_data(as_text=True)
    assert "with my contact details" not in html
    assert "without any contact details, so they cannot contact you" in html


def test_contact_is_asked_before_sharing(reporter: Reporter) -> None:
    from reporting.journey.pages import PAGES

    slugs = [page.slug for page in PAGES]
    assert slugs.index("contact") < slugs.index("contact-details") < slugs.index("sharing")


def test_no_page_asks_more_than_two_questions(app) -> None:
    from reporting.journey.pages import PAGES

    with app.test_request_context():
        for page in PAGES:
            for voice in ({}, {"reporting-as": {"reporter_type": "witness"}}):
                form = page.make_form(app.config, {**voice, "contact": {"contact": "phone"}})
                assert len(form.answer_fields()) <= 2, page.slug


def test_the_check_page_groups_answers_in_cards(reporter: Reporter) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    html = reporter.get("/report/check").get_data(as_text=True)
    titles = re.findall(r'<h2 class="govuk-summary-card__title">\s*(.*?)\s*</h2>', html)
    assert titles == [
        "What happened",
        "When and where",
        "People",
        "Sharing and contact",
        "About you",
    ]


def test_areas_are_labelled_with_their_council_and_towns(reporter: Reporter) -> None:
    reporter.start()
    _answer_up_to(reporter, "where")
    html = reporter.get("/report/district").get_data(as_text=True)
    h1 = re.search(r"<h1[^>]*>\s*(.*?)\s*</h1>", html, re.S)
    title = re.search(r"<title>\s*(.*?) \u2013", html, re.S)
    assert h1 and title and h1.group(1) == title.group(1)
    assert "North Northamptonshire: Kettering, Burton Latimer" in html
    assert "West Northamptonshire: Towcester, Brackley" in html


def test_the_no_contact_choice_promises_nothing_not_built(reporter: Reporter) -> None:
    reporter.start()
    _answer_up_to(reporter, "crime-reference")
    html = reporter.get("/report/contact").get_data(as_text=True)
    assert "No, do not contact me" in html
    assert "replies with my receipt" not in html


def test_long_text_pages_say_how_long_answers_are_kept(app, reporter: Reporter) -> None:
    reporter.start()
    _answer_up_to(reporter, "location")
    html = reporter.get("/report/account").get_data(as_text=True)
    minutes = app.config["DRAFT_IDLE_MINUTES"]
    assert f"we delete them if you do not select Continue within {minutes} minutes" in html


def test_an_old_page_posted_without_its_token_after_sending_shows_the_receipt(
    reporter: Reporter, team
) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    reporter.send()
    response = reporter.client.post("/report/harm", data={"harm": "more"})
    assert response.status_code == 303 and response.location.endswith("/report/sent")


def test_the_confirmation_offers_the_support_asked_for_first(app, reporter: Reporter, team) -> None:
    reporter.start()
    answers = full_answers()
    answers["impact"] = {"impact": "", "support": ["housing"]}
    reporter.answer_all(answers)
    html = reporter.send().get_data(as_text=True)
    support = html.split("Get support</h2>")[1]
    names = re.findall(r'<h3 class="govuk-heading-s[^"]*">(.*?)</h3>', support)
    assert names[0] == "Citizens Advice"  # the one service tagged for housing
    assert "Victim Support" in names


def test_a_sent_report_shares_neither_id_nor_key_with_its_draft(
    app, reporter: Reporter, team
) -> None:
    """A team-key holder can open the report, but nothing that leads back to the draft: not
    the draft's earlier versions, nor the receipt its sent state keeps for a while."""
    from reporting import crypto, drafts

    reporter.start()
    reporter.answer_all(full_answers())
    cookie = drafts.DraftCookie.parse(reporter.client.get_cookie("__Host-draft").value)
    reporter.send()
    with database(app).session() as db:
        report = db.scalar(select(Report))
        assert report.id != cookie.draft_id
        data_key = open_data_key(db, report, team.private_keys)
    assert data_key != cookie.data_key
    assert crypto.decrypt(data_key, report.answers, context=drafts.answers_context(report.id))
