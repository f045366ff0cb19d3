"""Triage a busy coordinator can use: markers from the reporter's answers, the order reports
arrived in within a day, "new since you last looked" per officer, and finding a report by its
reference from any staff page, as an officer (or someone trying odd input) sees them."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from reporting.db import database
from reporting.models import Report
from reporting.review.find import NotAReference, parse_reference

from .helpers import HttpsClient, Reporter, counting, csrf_token, full_answers, send_report
from .review import TODAY, insert_reports, reference_for, references_on, report_row
from .staff import StaffUser, create_user, signed_in_client
from .test_review_markers import items_on, markers_in

NEW = "New since you last looked"
MARKERS = {
    "Someone was in immediate danger",
    "Still happening",
    "Threats or physical attack",
    "Overdue",
    "New message",
    "Wants contact",
    "Support requested",
    NEW,
}


@pytest.fixture
def officer(app: Flask, team) -> StaffUser:
    return create_user(app, email="triage@example.org", team_keys=team.private_keys)


@pytest.fixture
def officer_client(app: Flask, officer: StaffUser) -> HttpsClient:
    return signed_in_client(app, officer)


def markers_on(client: Any, query: str = "") -> dict[str, list[str]]:
    response = client.get(f"/staff/reports/?{query}")
    assert response.status_code == 200
    return {
        ref: markers_in(item) for ref, item in items_on(response.get_data(as_text=True)).items()
    }


def send_exactly(app: Flask, answers: dict[str, Any]) -> str:
    """Send a report with these answers and no others; the reference shown."""
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    reporter.answer_all(answers)
    match = re.search(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", reporter.send().get_data(as_text=True))
    assert match
    return match.group(0)


def without_contact(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers of someone who will check for replies with their receipt."""
    kept = {k: v for k, v in answers.items() if k not in ("contact-details", "contact-language")}
    return {**kept, "contact": {"contact": "receipt"}}


# --- Markers -----------------------------------------------------------------------------------


def test_markers_show_exactly_what_each_reporter_answered(app, team, officer_client) -> None:
    officer_client.get("/staff/reports/")  # the officer's first look: nothing is new yet
    answers = full_answers("Tm1")  # threats; happened before; email contact; two supports
    everything = send_report(app, "Tm1")
    quiet = without_contact(
        {
            **answers,
            "what-happened": {"incident_types": ["verbal", "online"]},
            "still-happening": {"still_happening": "ongoing"},
            "impact": {"impact": "", "support": ["nothing"]},
        }
    )
    ongoing = send_exactly(app, quiet)
    attacked = send_exactly(
        app,
        without_contact(
            {
                **answers,
                "what-happened": {"incident_types": ["physical"]},
                "impact": {"impact": "", "support": []},
            }
        ),
    )
    markers = markers_on(officer_client)
    assert markers[everything] == [
        "Threats or physical attack",
        "Wants contact",
        "Support requested",
        NEW,
    ]
    assert markers[ongoing] == ["Still happening", NEW]
    assert markers[attacked] == ["Threats or physical attack", NEW]
    with database(app).session() as db:
        rows = {
            r.reference: (r.ongoing, r.wants_contact, r.support_requested)
            for r in db.scalars(select(Report))
        }
    assert rows == {
        everything: (False, True, True),
        ongoing: (True, False, False),
        attacked: (False, False, False),
    }


def test_reports_from_before_the_markers_show_none_of_them(app, officer_client) -> None:
    # What migration 0016 leaves on older reports: NULL, "not recorded".
    insert_reports(app, [report_row(1, ongoing=None, wants_contact=None, support_requested=None)])
    officer_client.get("/staff/reports/")
    assert markers_on(officer_client) == {reference_for(1): []}


def test_the_list_has_a_key_to_its_markers(officer_client) -> None:
    html = officer_client.get("/staff/reports/").get_data(as_text=True)
    key = html[html.index("What the markers mean") : html.index("</details>")]
    for text in MARKERS:
        assert re.search(rf'govuk-tag--\w+">{re.escape(text)}</strong></dt>', key), text
    assert "No time of day is kept" in key


# --- Order within a day --------------------------------------------------------------------


def test_within_a_day_reports_are_listed_by_arrival(app, officer_client) -> None:
    yesterday = TODAY - dt.timedelta(days=1)
    # References in one order, arrival in another: the list follows arrival.
    rows = [
        report_row(1, arrival=30, received_on=TODAY),
        report_row(2, arrival=10, received_on=TODAY),
        report_row(3, arrival=20, received_on=TODAY),
        report_row(4, arrival=5, received_on=yesterday, strands=("age",)),
        report_row(5, arrival=1, received_on=yesterday, strands=("age",)),
    ]
    insert_reports(app, rows)
    newest = [reference_for(n) for n in (1, 3, 2, 4, 5)]
    for query in ("", "status=new", "strand=race&status=new", "district=kettering"):
        html = officer_client.get(f"/staff/reports/?{query}").get_data(as_text=True)
        shown = references_on(html)
        assert shown == [r for r in newest if r in shown] and shown, query
        html = officer_client.get(f"/staff/reports/?{query}&sort=oldest").get_data(as_text=True)
        assert references_on(html) == list(reversed(shown)), query


def _arrivals(app: Flask) -> dict[str, int]:
    with database(app).session() as db:
        return {
            ref: arrival for ref, arrival in db.execute(select(Report.reference, Report.arrival))
        }


def test_sends_at_the_same_time_never_share_an_arrival_number(app, team) -> None:
    insert_reports(app, [report_row(1)])  # arrival 2
    references: list[str] = []
    failures: list[BaseException] = []

    def send(n: int) -> None:
        try:
            references.append(send_report(app, f"Tc{n}"))
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            failures.append(error)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    arrivals = _arrivals(app)
    assert sorted(arrivals[r] for r in references) == [3, 4, 5, 6, 7]


def test_a_send_that_loses_the_race_for_a_number_takes_the_next(app, team) -> None:
    insert_reports(app, [report_row(1)])  # arrival 2
    engine = database(app).engine
    sent: list[str] = []
    with engine.connect() as other:
        # Another send has taken number 3 and not yet committed.
        transaction = other.begin()
        other.execute(insert(Report), [report_row(2, arrival=3)])
        thread = threading.Thread(target=lambda: sent.append(send_report(app, "Tr1")))
        thread.start()
        time.sleep(1.0)  # the send reads the highest committed (2) and waits on the index
        transaction.commit()
    thread.join(timeout=30)
    assert sent, "the send did not finish"
    assert _arrivals(app)[sent[0]] == 4


# --- New since you last looked -------------------------------------------------------------


def _mark_all_seen(client: Any) -> Any:
    html = client.get("/staff/reports/").get_data(as_text=True)
    up_to = re.search(r'name="up_to" value="(\d+)"', html)
    assert up_to, "no Mark all as seen button"
    return client.post(
        "/staff/reports/seen", data={"csrf_token": csrf_token(html), "up_to": up_to.group(1)}
    )


def _new(client: Any, query: str = "") -> set[str]:
    return {ref for ref, markers in markers_on(client, query).items() if NEW in markers}


def test_new_since_you_last_looked_is_each_officers_own(app, officer, officer_client) -> None:
    other = create_user(app, email="other@example.org")
    other_client = signed_in_client(app, other)
    insert_reports(app, [report_row(1)])
    # Each officer's first look: what is there is not new to them.
    assert _new(officer_client) == set() and _new(other_client) == set()
    html = officer_client.get("/staff/reports/").get_data(as_text=True)
    assert "No report is new since you last looked" in html and 'name="up_to"' not in html

    insert_reports(app, [report_row(2), report_row(3)])
    both = {reference_for(2), reference_for(3)}
    assert _new(officer_client) == both and _new(other_client) == both
    # Looking (again and again) does not clear them.
    assert _new(officer_client) == both
    html = officer_client.get("/staff/reports/").get_data(as_text=True)
    assert "2 reports are new since you last looked" in html

    response = _mark_all_seen(officer_client)
    assert response.status_code == 303 and response.location.endswith("/staff/reports/")
    assert _new(officer_client) == set()
    assert _new(other_client) == both  # one officer's mark is not another's

    insert_reports(app, [report_row(4)])
    assert _new(officer_client) == {reference_for(4)}
    assert references_on(officer_client.get("/staff/reports/?seen=new").get_data(as_text=True)) == [
        reference_for(4)
    ]
    shown = references_on(other_client.get("/staff/reports/?seen=new").get_data(as_text=True))
    assert shown == [reference_for(n) for n in (4, 3, 2)]


def test_mark_all_as_seen_covers_only_what_had_arrived(app, officer, officer_client) -> None:
    officer_client.get("/staff/reports/")
    insert_reports(app, [report_row(1), report_row(2)])
    html = officer_client.get("/staff/reports/").get_data(as_text=True)
    token = csrf_token(html)
    insert_reports(app, [report_row(3)])  # arrives while the page is open
    assert 'name="up_to" value="3"' in html  # report_row(n) arrives n + 1-th
    officer_client.post("/staff/reports/seen", data={"csrf_token": token, "up_to": "3"})
    assert _new(officer_client) == {reference_for(3)}
    # A forged number past the latest marks no more than the latest...
    officer_client.post("/staff/reports/seen", data={"csrf_token": token, "up_to": "999999"})
    insert_reports(app, [report_row(4)])
    assert _new(officer_client) == {reference_for(4)}
    # ...and an older tab's button never brings markers back.
    officer_client.post("/staff/reports/seen", data={"csrf_token": token, "up_to": "1"})
    assert _new(officer_client) == {reference_for(4)}


@pytest.mark.parametrize("up_to", ["", "-1", "1.5", "x", "9" * 13, "1\n2"])
def test_mark_all_as_seen_refuses_junk(officer_client, up_to) -> None:
    html = officer_client.get("/staff/reports/").get_data(as_text=True)
    response = officer_client.post(
        "/staff/reports/seen", data={"csrf_token": csrf_token(html), "up_to": up_to}
    )
    assert response.status_code == 400


def test_the_new_filter_keeps_the_statement_count(app, officer_client) -> None:
    insert_reports(app, [report_row(n, strands=("race", "age")) for n in range(40)])
    officer_client.get("/staff/reports/")
    insert_reports(app, [report_row(n) for n in range(40, 70)])
    for query in ("", "seen=new", "seen=new&strand=race&page=2", "seen=new&status=new"):
        with counting(app) as statements:
            html = officer_client.get(f"/staff/reports/?{query}").get_data(as_text=True)
        assert references_on(html), query
        # Session, user, officers, counts (with the seen mark), the page, unread messages.
        assert len(statements) <= 6, (query, statements)


# --- Find a report by its reference ----------------------------------------------------------


def test_every_staff_page_has_the_find_box_for_those_who_open_reports(app, officer_client):
    for path in ("/staff/reports/", "/staff/account/"):
        html = officer_client.get(path).get_data(as_text=True)
        assert 'role="search"' in html and 'id="find-reference"' in html, path
    analyst = signed_in_client(app, create_user(app, "analyst"))
    html = analyst.get("/staff/account/").get_data(as_text=True)
    assert "find-reference" not in html and "Find a report" not in html


@pytest.mark.parametrize(
    "typed",
    [
        "{ref}",
        "{lower}",
        " {ref} ",
        "{bare}",
        "{bare_lower}",
        "{spaced}",
        "hc {spaced}",
        "HC\u2013{dashed}",
        "hc-{bare_lower}",
    ],
)
def test_a_reference_typed_any_usual_way_goes_to_the_report(app, officer_client, typed) -> None:
    insert_reports(app, [report_row(7)])
    ref = reference_for(7)
    bare = ref[3:].replace("-", "")
    typed = typed.format(
        ref=ref,
        lower=ref.lower(),
        bare=bare,
        bare_lower=bare.lower(),
        spaced=f"{bare[:4]} {bare[4:]}",
        dashed=f"{bare[:4]}\u2014{bare[4:]}",
    )
    response = officer_client.get("/staff/reports/find", query_string={"reference": typed})
    assert response.status_code == 303, typed
    assert response.location.endswith(f"/staff/reports/{ref}")


def test_a_reference_no_report_has_gets_a_404_saying_so(app, officer_client) -> None:
    insert_reports(app, [report_row(7)])
    response = officer_client.get("/staff/reports/find?reference=hc-2222+2223")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<h1" in html and "No report has the reference HC-2222-2223</h1>" in html
    assert 'href="#reference">No report has the reference HC-2222-2223</a>' in html
    assert 'value="hc-2222 2223"' in html  # the box filled in as typed
    assert "find-reference" not in html  # one box on this page: its own
    response = officer_client.get("/staff/reports/find?reference=HC-OOOO-1111")
    assert response.status_code == 404
    assert "references never use 0, O, 1, I or L" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter a report reference"),
        ("   ", "Enter a report reference"),
        ("HC-ABC", "A reference is HC- then 8 letters and numbers"),
        ("HC-ABCD-23456", "A reference is HC- then 8 letters and numbers"),
        ("x" * 41, "this is too long"),
        ("<script>alert(1)</script>", "only letters, numbers and dashes"),
        ("HC-ABCD-234%", "only letters, numbers and dashes"),
        ("HC-ABCD-23\u00e9X", "only letters, numbers and dashes"),
    ],
)
def test_junk_gets_a_400_that_says_what_a_reference_looks_like(officer_client, typed, error):
    response = officer_client.get("/staff/reports/find", query_string={"reference": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html and error in html
    assert "<script>alert" not in html


def test_find_without_a_reference_asks_for_one(officer_client) -> None:
    response = officer_client.get("/staff/reports/find")
    assert response.status_code == 400
    assert "Enter a report reference" in response.get_data(as_text=True)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    typed=st.text(max_size=60) | st.from_regex(r"(hc|HC)?[ \-]?[0-9A-Za-z]{4}[ \-]?[0-9A-Za-z]{4}")
)
def test_anything_typed_in_the_box_gets_an_answer_never_a_500(app, officer_client, typed) -> None:
    with database(app).session() as db:
        if db.scalar(select(Report.id).where(Report.id == f"{7:032x}")) is None:
            insert_reports(app, [report_row(7)])
    response = officer_client.get("/staff/reports/find", query_string={"reference": typed})
    try:
        reference = parse_reference(typed)
    except NotAReference:
        assert response.status_code == 400
    else:
        if reference == reference_for(7):
            assert response.status_code == 303
        else:
            assert response.status_code == 404
            assert f"No report has the reference {reference}" in response.get_data(as_text=True)
