"""The officers' review workspace, as an officer, another role, or an attacker sees it."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping

import pytest
from flask import Flask
from sqlalchemy import select

from reporting import casework, keys
from reporting.casework import listing
from reporting.db import database
from reporting.models import AuditEntry, Note, Report, StaffSession, User

from .helpers import (
    HttpsClient,
    counting,
    csrf_token,
    database_bytes,
    send_report,
)
from .review import TODAY, counts_on, insert_reports, reference_for, references_on, report_row
from .staff import StaffUser, create_user, signed_in_client

# The blueprint's own forms render their tokens without an id (several forms share a page).


# --- Fixtures and helpers --------------------------------------------------------------------


def main_content(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def audit_entries(app: Flask, action: str) -> list[AuditEntry]:
    with database(app).session() as db:
        return list(
            db.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def stored_report(app: Flask, reference: str) -> Report:
    with database(app).session() as db:
        return db.scalar(select(Report).where(Report.reference == reference))


@pytest.fixture
def officer(app: Flask, team) -> StaffUser:
    return create_user(
        app, email="officer@example.org", name="Olive Officer", team_keys=team.private_keys
    )


@pytest.fixture
def officer_client(app: Flask, officer: StaffUser) -> HttpsClient:
    return signed_in_client(app, officer)


# --- The list --------------------------------------------------------------------------------


def test_list_shows_sent_reports_and_no_free_text(app, team, officer_client) -> None:
    first = send_report(app, "Zq1")
    second = send_report(app, "Zq2", district={"district": "corby"})
    response = officer_client.get("/staff/reports/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert set(references_on(html)) == {first, second}
    assert "Corby" in html and "Kettering" in html and "Religion or belief" in html
    # Nothing the reporter wrote reaches the list, and nothing was decrypted for it.
    assert "Zq1" not in html and "Zq2" not in html
    assert audit_entries(app, "report-read") == []
    assert counts_on(html) == {"all": 2, "new": 2, "in review": 0, "referred": 0, "closed": 0}


def test_list_is_newest_first_and_oldest_first_is_its_exact_reverse(app, officer_client) -> None:
    days = [TODAY - dt.timedelta(days=n) for n in (3, 0, 1, 0, 2)]
    insert_reports(app, [report_row(n, received_on=day) for n, day in enumerate(days)])
    # Newest first is exactly oldest first reversed: date, then reference.
    oldest = [
        reference for _, reference in sorted((day, reference_for(n)) for n, day in enumerate(days))
    ]
    html = officer_client.get("/staff/reports/").get_data(as_text=True)
    assert references_on(html) == oldest[::-1]
    html = officer_client.get("/staff/reports/?sort=oldest").get_data(as_text=True)
    assert references_on(html) == oldest


def test_filters_narrow_the_list_and_counts_ignore_only_the_status_filter(
    app, officer, officer_client
) -> None:
    other = create_user(app, email="second@example.org", name="Sam Second")
    rows = [
        report_row(1, status="new", district="corby", strands=("race",)),
        report_row(2, status="in-review", district="corby", strands=("religion", "race")),
        report_row(3, status="closed", district="corby", strands=("disability",)),
        report_row(4, status="new", district="kettering", reporter_type="witness"),
        report_row(5, status="referred", assigned_to_id=officer.id),
        report_row(6, status="new", assigned_to_id=other.id, received_on=date(-40)),
        report_row(7, status="closed", received_on=date(-400)),
    ]
    insert_reports(app, rows)

    def listed(query: str) -> tuple[set[str], dict[str, int]]:
        response = officer_client.get(f"/staff/reports/?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)[:3000]
        html = response.get_data(as_text=True)
        return set(references_on(html)), counts_on(html)

    refs = {n: reference_for(n) for n in range(1, 8)}
    found, counts = listed("district=corby")
    assert found == {refs[1], refs[2], refs[3]}
    assert counts == {"all": 3, "new": 1, "in review": 1, "referred": 0, "closed": 1}
    found, counts = listed("district=corby&status=new")
    assert found == {refs[1]}
    assert counts["all"] == 3 and counts["in review"] == 1  # status is not applied to counts
    assert listed("strand=race&district=corby")[0] == {refs[1], refs[2]}
    # Counts under a strand and a filter the strand rows do not carry (joined to reports).
    # (Rows 4 to 7 have the default strand, race; 5 and 6 are assigned.)
    found, counts = listed("strand=race&assigned=none")
    assert found == {refs[1], refs[2], refs[4], refs[7]}
    assert counts == {"all": 4, "new": 2, "in review": 1, "referred": 0, "closed": 1}
    assert listed("strand=disability")[0] == {refs[3]}
    assert listed("reporter_type=witness")[0] == {refs[4]}
    assert listed("assigned=me")[0] == {refs[5]}
    assert listed(f"assigned={other.id}")[0] == {refs[6]}
    assert listed("assigned=none")[0] == {refs[1], refs[2], refs[3], refs[4], refs[7]}
    from_day = date(-60).strftime("%d/%m/%Y")
    to_day = date(-10).strftime("%-d/%-m/%Y")
    assert listed(f"received_from={from_day}&received_to={to_day}")[0] == {refs[6]}
    assert listed(f"received_to={date(-100).isoformat()}")[0] == {refs[7]}
    found, counts = listed("status=closed&received_from=" + date(-1000).strftime("%d/%m/%Y"))
    assert found == {refs[3], refs[7]}
    assert counts == {"all": 7, "new": 3, "in review": 1, "referred": 1, "closed": 2}


def date(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


def test_pages_of_25_keep_the_filters_and_reach_the_last_page(app, officer_client) -> None:
    rows = [
        report_row(n, received_on=date(-(n % 9)), district="corby" if n % 4 else "kettering")
        for n in range(130)
    ]
    insert_reports(app, rows)
    corby = sorted(
        (r for r in rows if r["district"] == "corby"),
        key=lambda r: (r["received_on"], r["reference"]),
        reverse=True,
    )
    assert len(corby) == 97  # four pages: 25, 25, 25, 22

    pages = []
    for page in (1, 2, 3, 4):
        html = officer_client.get(f"/staff/reports/?district=corby&page={page}").get_data(
            as_text=True
        )
        pages.append(references_on(html))
        assert "of 97 reports" in html
        if page < 4:
            # The Next link keeps the filter.
            assert f'href="/staff/reports/?district=corby&amp;page={page + 1}"' in html
    assert [len(p) for p in pages] == [25, 25, 25, 22]
    assert sum(pages, []) == [r["reference"] for r in corby]

    oldest = officer_client.get("/staff/reports/?district=corby&sort=oldest&page=4")
    expected = sorted(corby, key=lambda r: (r["received_on"], r["reference"]))
    assert references_on(oldest.get_data(as_text=True)) == [r["reference"] for r in expected][75:]

    beyond = officer_client.get("/staff/reports/?district=corby&page=5")
    assert beyond.status_code == 400
    assert "There is no page 5" in beyond.get_data(as_text=True)


def test_list_page_issues_the_same_few_statements_however_many_rows(app, officer_client) -> None:
    insert_reports(app, [report_row(n, strands=("race", "age")) for n in range(3)])
    officer_client.get("/staff/reports/")  # session touched, caches warm
    with counting(app) as few:
        assert officer_client.get("/staff/reports/?strand=race").status_code == 200
    insert_reports(app, [report_row(n, strands=("race", "age")) for n in range(3, 80)])
    with counting(app) as many:
        assert officer_client.get("/staff/reports/?strand=race").status_code == 200
    assert len(few) == len(many) <= 6, many


def test_counts_stop_at_the_cap_and_the_list_then_pages_with_previous_and_next(
    app, officer_client, monkeypatch
) -> None:
    # The cap made small so that the capped path runs on a few rows (the 100,000-report test
    # runs it at the real cap of 1,000).
    monkeypatch.setattr(listing, "COUNT_CAP", 10)
    rows = [
        report_row(n, received_on=date(-n), status="new" if n < 40 else "closed") for n in range(50)
    ]
    insert_reports(app, rows)
    new = [r["reference"] for r in rows[:40]]  # newest first: received_on falls with n

    html = officer_client.get("/staff/reports/?status=new").get_data(as_text=True)
    # 40 new, 10 closed: a count of exactly the cap is exact; past it, a lower bound.
    assert counts_on(html) == {
        "all": "20+",
        "new": "10+",
        "in review": 0,
        "referred": 0,
        "closed": 10,
    }
    # On screen "10+", to a screen reader "more than 10 new, shown below".
    assert (
        '<strong><span class="govuk-visually-hidden">more than </span>10<span aria-hidden="true">'
        '+</span><span class="govuk-visually-hidden"> new, shown below</span></strong>'
    ) in html
    assert "1 to 25 of more than 10 reports, newest first" in html
    assert references_on(html) == new[:25]
    # Previous and Next only: no page numbers, since the last page is not known.
    assert 'href="/staff/reports/?status=new&amp;page=2"' in html
    assert "govuk-pagination__item" not in html and "govuk-pagination__prev" not in html

    second = officer_client.get("/staff/reports/?status=new&page=2").get_data(as_text=True)
    assert references_on(second) == new[25:]
    assert 'href="/staff/reports/?status=new&amp;page=1"' in second
    assert "govuk-pagination__prev" in second
    assert "govuk-pagination__next" not in second  # the page was not full

    beyond = officer_client.get("/staff/reports/?status=new&page=3")
    assert beyond.status_code == 400
    assert "There is no page 3: the reports that match these filters fill fewer pages" in (
        beyond.get_data(as_text=True)
    )

    # Below the cap everything is exact, with page numbers as before.
    closed = officer_client.get("/staff/reports/?status=closed").get_data(as_text=True)
    assert "1 to 10 of 10 reports" in closed
    assert references_on(closed) == [r["reference"] for r in rows[40:]]


BAD_FILTERS = [
    ("page=-1", "The page must be a whole number, 1 or more"),
    ("page=0", "The page must be a whole number, 1 or more"),
    ("page=abc", "The page must be a whole number, 1 or more"),
    ("page=99999999999999999999", "The page must be a whole number, 1 or more"),
    ("page=%EF%BC%91", "The page must be a whole number, 1 or more"),  # full-width 1
    ("status=bogus", "Select a status from the list"),
    ("strand=%3Cscript%3E", "Select a hate strand from the list"),
    ("district=atlantis", "Select a district from the list"),
    ("reporter_type=robot", "Select who reported it from the list"),
    ("assigned=999999", "Select an officer from the list"),
    ("assigned=-1", "Select an officer from the list"),
    ("sort=sideways", "Select newest or oldest first"),
    ("received_from=31/02/2025", "Received from must be a real date"),
    ("received_from=00/00/0000", "Received from must be a real date"),
    ("received_to=yesterday", "Enter received to as day/month/year"),
    ("received_from=" + "1" * 500, "Enter received from as day/month/year"),
    ("received_from=2/3/2025&received_to=1/3/2025", "Received to must be the same as or after"),
]


def test_bad_filter_values_get_a_message_not_an_error(officer_client) -> None:
    for query, message in BAD_FILTERS:
        response = officer_client.get(f"/staff/reports/?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 400, query
        assert "govuk-error-summary" in html and message in html, query


def test_a_bad_date_is_shown_again_as_typed(officer_client) -> None:
    html = officer_client.get("/staff/reports/?received_from=31/02/2025").get_data(as_text=True)
    assert 'value="31/02/2025"' in html
    assert 'href="#received_from"' in html


def test_repeated_and_odd_query_parameters_do_not_break_the_list(officer_client) -> None:
    for query in ("status=new&status=closed", "page=1&page=2", "unknown=1", "page=", "%ff=%ff"):
        assert officer_client.get(f"/staff/reports/?{query}").status_code in (200, 400)


# --- One report ------------------------------------------------------------------------------


def test_report_page_shows_every_answer_and_records_the_read(app, team, officer, officer_client):
    reference = send_report(app, "Zq3")
    response = officer_client.get(f"/staff/reports/{reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    for fragment in (
        "Two men followed me home Zq3account",
        "Outside the library Zq3place",
        "personZq3@example.org",
        "Sam Zq3name",
        "12 March 2026",
        "Kettering",
        "Religion or belief",
    ):
        assert fragment in html, fragment
    assert ">Change<" not in html and "/report/" not in html
    [entry] = audit_entries(app, "report-read")
    assert entry.actor_id == officer.id and entry.subject == f"report:{reference}"
    assert "Zq3" not in entry.details


def test_reference_is_found_in_lower_case_too(app, team, officer_client) -> None:
    reference = send_report(app, "Zq4")
    assert officer_client.get(f"/staff/reports/{reference.lower()}").status_code == 200


def test_unknown_or_malformed_reference_is_the_same_404(app, officer_client) -> None:
    baseline = main_content(
        officer_client.get("/staff/reports/HC-2222-2222").get_data(as_text=True)
    )
    assert "Report not found" in baseline and "HC-2222-2222" not in baseline
    for reference in ("not-a-reference", "HC-0000-0000", "x" * 300, "HC-2222-2222%00", "%2e%2e"):
        response = officer_client.get(f"/staff/reports/{reference}")
        assert response.status_code == 404, reference
        assert main_content(response.get_data(as_text=True)) == baseline


def test_printable_view_has_the_content_and_no_navigation_or_buttons(
    app, team, officer_client
) -> None:
    reference = send_report(app, "Zq5")
    response = officer_client.get(f"/staff/reports/{reference}/print")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Two men followed me home Zq5account" in html
    assert "<form" not in html and "<button" not in html
    assert "govuk-service-navigation" not in html and "govuk-footer" not in html
    assert len(audit_entries(app, "report-read")) == 1


CONTACT_AND_IDENTITY = [
    "person{m}@example.org",
    "Polish interpreter {m}language",
    "Sam {m}name",
]


def test_print_leaves_out_contact_details_shared_without_them(app, team, officer_client) -> None:
    m = "Pw1"
    reference = send_report(
        app, m, sharing={"share_with_police": "without-details", "share_with_support": "yes"}
    )
    html = officer_client.get(f"/staff/reports/{reference}/print").get_data(as_text=True)
    printed = main_content(html)
    for text in CONTACT_AND_IDENTITY:
        assert text.format(m=m) not in printed, text
    # Not even as "Not answered": the questions are left out too.
    for label in ("Do you want us to contact you?", "What is your email address?", "Your name"):
        assert label not in printed, label
    assert f"Two men followed me home {m}account" in printed
    assert "left out of this copy, because the reporter did not consent" in printed
    assert "must not be passed to the police" not in printed
    # The officer's own page still has everything, and says what the print leaves out.
    page = main_content(officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True))
    for text in CONTACT_AND_IDENTITY:
        assert text.format(m=m) in page, text
    for label in ("Do you want us to contact you?", "What is your email address?", "Your name"):
        assert label in page, label
    assert "It leaves out the reporter's contact details" in page


def test_print_of_a_report_not_for_the_police_says_so(app, team, officer_client) -> None:
    m = "Pw2"
    reference = send_report(app, m, sharing={"share_with_police": "no", "share_with_support": "no"})
    printed = main_content(
        officer_client.get(f"/staff/reports/{reference}/print").get_data(as_text=True)
    )
    assert "This report must not be passed to the police" in printed
    assert f"person{m}@example.org" in printed  # an internal copy: nothing withheld
    page = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert "The reporter did not agree to share this report with the police." in page


def test_print_shared_with_details_keeps_them(app, team, officer_client) -> None:
    m = "Pw3"
    reference = send_report(
        app, m, sharing={"share_with_police": "with-details", "share_with_support": "yes"}
    )
    printed = main_content(
        officer_client.get(f"/staff/reports/{reference}/print").get_data(as_text=True)
    )
    for text in CONTACT_AND_IDENTITY:
        assert text.format(m=m) in printed, text
    assert "left out of this copy" not in printed and "must not be passed" not in printed
    assert "agreed to share this report with the police, with their contact details" in printed


def test_personal_detail_pages_are_one_explicit_set() -> None:
    from reporting.models import Report
    from reporting.review import consent

    # The report's current answer (its clear column) decides, never the answers as first sent.
    assert consent.withheld_pages(Report(share_with_police="without-details")) == {
        "contact",
        "contact-details",
        "contact-times",
        "contact-language",
        "about",
    }
    assert consent.police_sharing(Report()) == "no"
    assert consent.police_sharing(Report(share_with_police="maybe")) == "no"
    assert consent.withheld_pages(Report(share_with_police="no")) == set()
    assert consent.withheld_pages(Report(share_with_police="with-details")) == set()


def test_report_page_hides_its_actions_when_printed(app, team, officer_client) -> None:
    reference = send_report(app, "Zq6")
    html = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert 'class="govuk-grid-column-one-third govuk-!-display-none-print"' in html
    assert 'class="govuk-!-display-none-print" method="post"' in html


def test_review_pages_have_no_inline_script_or_style(app, team, officer_client) -> None:
    reference = send_report(app, "Zq7")
    pages = [
        officer_client.get(path).get_data(as_text=True)
        for path in (
            "/staff/reports/",
            "/staff/reports/?status=bogus",
            f"/staff/reports/{reference}",
            f"/staff/reports/{reference}/print",
            "/staff/reports/HC-2222-2222",
        )
    ]
    for html in pages:
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
        assert "<style" not in html
        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"\son[a-z]+=", html)
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), "duplicate id"


# --- Who may enter ---------------------------------------------------------------------------


def test_officer_without_a_grant_sees_cannot_open_page(app, team) -> None:
    reference = send_report(app, "Zq8")
    client = signed_in_client(app, create_user(app, email="new@example.org"))
    assert client.get("/staff/reports/").status_code == 200  # the clear list is fine
    response = client.get(f"/staff/reports/{reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You cannot open reports yet" in html
    assert reference in html and "Zq8" not in html
    assert audit_entries(app, "report-read") == []
    # Nor can they act on it.
    posted = client.post(
        f"/staff/reports/{reference}/notes", data={"csrf_token": csrf_token(html), "note": "hello"}
    )
    assert posted.status_code == 403
    with database(app).session() as db:
        assert db.scalar(select(Note)) is None


def test_officer_holding_another_teams_key_sees_sealed_page(app, team) -> None:
    reference = send_report(app, "Zq9")
    with database(app).session() as db:
        other = keys.create_team(db, slug="housing", name="Housing", today=TODAY)
        db.commit()
        other_keys = {other.team_key.key_id: other.private_key}
    client = signed_in_client(
        app, create_user(app, email="housing@example.org", team_keys=other_keys)
    )
    response = client.get(f"/staff/reports/{reference}")
    assert response.status_code == 403
    assert "sealed to a key you do not hold" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["analyst", "centre"])
def test_analysts_and_centres_cannot_enter(app, team, role) -> None:
    reference = send_report(app, "Zq10")
    client = signed_in_client(app, create_user(app, role))
    assert client.get("/staff/reports/").status_code == 403
    assert client.get(f"/staff/reports/{reference}").status_code == 403
    assert client.get(f"/staff/reports/{reference}/print").status_code == 403


def test_admin_with_a_grant_can_review(app, team) -> None:
    reference = send_report(app, "Zq11")
    client = signed_in_client(app, create_user(app, "admin", team_keys=team.private_keys))
    assert client.get(f"/staff/reports/{reference}").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    response = client.get("/staff/reports/?status=new")
    assert response.status_code == 302
    assert "/staff/sign-in?next=" in response.location
    posted = client.post("/staff/reports/HC-2222-2222/notes", data={"note": "x"})
    assert posted.status_code in (302, 400)


def test_post_from_an_expired_session_goes_to_sign_in_and_changes_nothing(
    app, team, officer_client
) -> None:
    reference = send_report(app, "Zq12")
    page = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    with database(app).session() as db:
        db.execute(StaffSession.__table__.delete())
        db.commit()
    response = officer_client.post(
        f"/staff/reports/{reference}/status",
        data={"csrf_token": csrf_token(page), "new_status": "in-review", "expected": "new"},
    )
    assert response.status_code == 302
    assert response.location.endswith("/staff/sign-in")
    assert stored_report(app, reference).status == "new"


def test_posts_without_a_csrf_token_are_refused(app, team, officer_client) -> None:
    reference = send_report(app, "Zq13")
    response = officer_client.post(
        f"/staff/reports/{reference}/status", data={"new_status": "in-review"}
    )
    assert response.status_code == 400
    assert stored_report(app, reference).status == "new"


# --- Status ----------------------------------------------------------------------------------


def _post(client: HttpsClient, reference: str, action: str, data: Mapping[str, str]):
    page = client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    return client.post(
        f"/staff/reports/{reference}/{action}", data={"csrf_token": csrf_token(page), **data}
    )


def test_status_moves_through_review_referral_closing_and_reopening(
    app, team, officer, officer_client
) -> None:
    reference = send_report(app, "Zq14")
    steps = [
        ({"new_status": "in-review", "expected": "new"}, "in-review", None),
        ({"new_status": "referred", "expected": "in-review"}, "referred", None),
        (
            {"new_status": "closed", "close_reason": "referred-police", "expected": "referred"},
            "closed",
            "referred-police",
        ),
        ({"new_status": "in-review", "expected": "closed"}, "in-review", None),
    ]
    for data, status, reason in steps:
        response = _post(officer_client, reference, "status", data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        report = stored_report(app, reference)
        assert (report.status, report.closed_reason) == (status, reason)
        assert report.status_changed_on == TODAY
    entries = audit_entries(app, "status-changed")
    assert [json.loads(e.details)["new"] for e in entries] == [s for _, s, _ in steps]
    assert json.loads(entries[2].details) == {
        "old": "referred",
        "new": "closed",
        "old_reason": None,
        "reason": "referred-police",
    }
    assert json.loads(entries[3].details)["old_reason"] == "referred-police"
    assert {e.actor_id for e in entries} == {officer.id}
    assert {e.subject for e in entries} == {f"report:{reference}"}
    page = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert "Status changed to in review." in page or "In review" in page


def test_a_report_filtered_by_strand_follows_its_status_changes(app, team, officer_client) -> None:
    """The strand filter reads the strands' copy of status and district: it must keep up."""
    reference = send_report(app, "Zq30")  # strands religion and race, district kettering

    def listed(query: str) -> tuple[list[str], dict[str, int | str]]:
        html = officer_client.get(f"/staff/reports/?{query}").get_data(as_text=True)
        return references_on(html), counts_on(html)

    moves = [("new", "in-review"), ("in-review", "closed"), ("closed", "in-review")]
    for old, new in moves:
        data = {"new_status": new, "expected": old, "close_reason": "resolved"}
        assert _post(officer_client, reference, "status", data).status_code == 302
        for strand in ("race", "religion"):
            found, counts = listed(f"strand={strand}&district=kettering&status={new}")
            assert found == [reference]
            assert counts[casework.STATUS_LABELS[new].lower()] == 1 and counts["all"] == 1
            assert listed(f"strand={strand}&district=kettering&status={old}")[0] == []
    assert listed("strand=race&district=corby")[0] == []
    assert listed("strand=disability&district=kettering")[0] == []


def test_a_new_report_can_be_closed_straight_away_as_a_duplicate(app, team, officer_client):
    reference = send_report(app, "Zq15")
    other = send_report(app, "Zq15b")
    data = {"new_status": "closed", "close_reason": "duplicate", "duplicate_of": other}
    response = _post(officer_client, reference, "status", data)
    assert response.status_code == 302
    assert stored_report(app, reference).closed_reason == "duplicate"
    assert stored_report(app, reference).duplicate_of_id == stored_report(app, other).id


REFUSED_STATUS_CHANGES = [
    ({"new_status": "referred"}, "A report that is new cannot be moved to referred"),
    ({"new_status": "new"}, "A report that is new cannot be moved to new"),
    ({"new_status": "bogus"}, "Select the new status"),
    ({}, "Select the new status"),
    ({"new_status": "closed"}, "Select why you are closing the report"),
    ({"new_status": "closed", "close_reason": "bored"}, "Select a reason for closing"),
    ({"new_status": "in-review", "expected": "x" * 50}, "There is a problem"),
]


def test_refused_status_changes_explain_and_change_nothing(app, team, officer_client) -> None:
    reference = send_report(app, "Zq16")
    for data, message in REFUSED_STATUS_CHANGES:
        response = _post(officer_client, reference, "status", data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, data
        assert message in html and "govuk-error-summary" in html, data
    assert stored_report(app, reference).status == "new"
    assert audit_entries(app, "status-changed") == []


def test_a_status_changed_by_someone_else_meanwhile_is_not_overridden(
    app, team, officer_client
) -> None:
    reference = send_report(app, "Zq17")
    page = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    second = signed_in_client(
        app, create_user(app, email="b@example.org", team_keys=team.private_keys)
    )
    _post(second, reference, "status", {"new_status": "in-review", "expected": "new"})
    # The first officer still has the page from when it was new, and closes it.
    response = officer_client.post(
        f"/staff/reports/{reference}/status",
        data={
            "csrf_token": csrf_token(page),
            "new_status": "closed",
            "close_reason": "no-further-action",
            "expected": "new",
        },
    )
    assert response.status_code == 409
    assert "Someone else changed the status" in response.get_data(as_text=True)
    assert stored_report(app, reference).status == "in-review"


# --- Assignment ------------------------------------------------------------------------------


def test_assigning_and_unassigning_an_officer(app, team, officer, officer_client) -> None:
    reference = send_report(app, "Zq18")
    colleague = create_user(app, email="colleague@example.org", name="Chris Colleague")
    create_user(app, "analyst", name="Ana Analyst")
    page = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert "Chris Colleague" in page and "Ana Analyst" not in page

    response = _post(officer_client, reference, "assign", {"assign_to": str(colleague.id)})
    assert response.status_code == 302
    assert stored_report(app, reference).assigned_to_id == colleague.id
    html = officer_client.get(response.location).get_data(as_text=True)
    assert "Assigned to Chris Colleague." in html

    assert _post(officer_client, reference, "assign", {"assign_to": "none"}).status_code == 302
    assert stored_report(app, reference).assigned_to_id is None
    entries = audit_entries(app, "assigned")
    assert [json.loads(e.details) for e in entries] == [
        {"old": None, "new": colleague.id},
        {"old": colleague.id, "new": None},
    ]


def test_cannot_assign_to_an_analyst_a_disabled_user_or_nobody_known(
    app, team, officer_client
) -> None:
    reference = send_report(app, "Zq19")
    analyst = create_user(app, "analyst")
    gone = create_user(app, email="gone@example.org", name="Gone Officer")
    with database(app).session() as db:
        db.get(User, gone.id).disabled = True
        db.commit()
    for value in (str(analyst.id), str(gone.id), "99999", "abc", ""):
        response = _post(officer_client, reference, "assign", {"assign_to": value})
        assert response.status_code == 400, value
        assert "Select an officer from the list" in response.get_data(as_text=True)
    assert stored_report(app, reference).assigned_to_id is None


# --- Notes -----------------------------------------------------------------------------------


def test_notes_are_encrypted_at_rest_and_shown_to_officers(app, team, officer_client) -> None:
    reference = send_report(app, "Zq20")
    secret_words = "Called the victim back Wx9NoteMarker"
    response = _post(officer_client, reference, "notes", {"note": f"{secret_words}\r\nsecond line"})
    assert response.status_code == 302
    assert response.location.endswith(f"/staff/reports/{reference}#notes")
    _post(officer_client, reference, "notes", {"note": "A later note"})

    html = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert f"{secret_words}<br>second line" in html
    assert html.index(secret_words) < html.index("A later note")  # newest last
    assert "Olive Officer" in html

    with database(app).session() as db:
        notes = db.scalars(select(Note)).all()
        assert len(notes) == 2 and all(len(n.id) == 32 for n in notes)
        assert all(b"Wx9NoteMarker" not in n.body for n in notes)
    assert b"Wx9NoteMarker" not in database_bytes(app)
    entries = audit_entries(app, "note-added")
    assert len(entries) == 2
    assert all("Wx9NoteMarker" not in e.details and "Called" not in e.details for e in entries)


def test_a_note_moved_to_another_report_does_not_open(app, team, officer_client) -> None:
    first = send_report(app, "Zq21")
    second = send_report(app, "Zq22")
    _post(officer_client, first, "notes", {"note": "Belongs to the first report"})
    with database(app).session() as db:
        note = db.scalar(select(Note))
        note.report_id = stored_report(app, second).id
        db.commit()
    response = officer_client.get(f"/staff/reports/{second}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This note could not be opened" in html
    assert "Belongs to the first report" not in html


BAD_NOTES = [
    ("", "Enter the note"),
    ("   \r\n  ", "Enter the note"),
    ("y" * 5001, "The note must be 5,000 characters or fewer"),
]


def test_bad_notes_are_refused_and_what_was_typed_is_kept(app, team, officer_client) -> None:
    reference = send_report(app, "Zq23")
    for note, message in BAD_NOTES:
        response = _post(officer_client, reference, "notes", {"note": note})
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert message in html and 'href="#note"' in html
        if note.strip():
            assert note in html
    with database(app).session() as db:
        assert db.scalar(select(Note)) is None


def test_a_note_of_exactly_5000_characters_with_line_breaks_is_accepted(
    app, team, officer_client
) -> None:
    reference = send_report(app, "Zq24")
    note = ("z" * 99 + "\n") * 50  # 5,000 characters as counted in the browser
    response = _post(officer_client, reference, "notes", {"note": note.replace("\n", "\r\n")})
    assert response.status_code == 302


def test_report_with_a_damaged_seal_gets_the_cannot_open_page(app, team, officer_client) -> None:
    reference = send_report(app, "Zq25")
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        key = report.keys[0]
        key.sealed_data_key = key.sealed_data_key[:-1] + bytes([key.sealed_data_key[-1] ^ 1])
        db.commit()
    response = officer_client.get(f"/staff/reports/{reference}")
    assert response.status_code == 403
    assert "sealed to a key you do not hold" in response.get_data(as_text=True)


def test_generated_rows_are_well_formed() -> None:
    # The helpers make distinct references the review blueprint accepts.
    refs = {reference_for(n) for n in range(2000)}
    assert len(refs) == 2000
    assert all(re.fullmatch(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", r) for r in refs)


def test_a_report_of_immediate_danger_stands_out_to_officers(app, team, officer_client) -> None:
    danger = send_report(app, "Dg1", danger={"danger": "yes"})
    calm = send_report(app, "Dg2")
    listed = main_content(officer_client.get("/staff/reports/").get_data(as_text=True))
    items = re.findall(r'<li class="govuk-task-list__item.*?</li>', listed, re.S)
    entries = {ref: next(item for item in items if ref in item) for ref in (danger, calm)}
    assert "Someone was in immediate danger" in entries[danger]
    assert "Someone was in immediate danger" not in entries[calm]
    page = main_content(officer_client.get(f"/staff/reports/{danger}").get_data(as_text=True))
    assert "Yes: the reporter said someone was in immediate danger" in page


DIRECTION_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_text_direction_controls_are_shown_not_obeyed(app, team, officer_client) -> None:
    # "user<RLO>gro.elpmaxe@evil.com" is drawn as if the address were at example.org.
    reference = send_report(
        app,
        "Bd1",
        **{
            "contact-details": {"email": "user\u202egro.elpmaxe@evil.com"},
            "location": {"place": "Outside \u2066the\u2067 library\u2068 Bd1\u2069 place"},
            "account": {"account": "They said \u200eone\u200f thing \u061c and \u202aleft\u202c"},
            "harm": {"harm": "A bruise \u202bBd1\u202d harm"},
            "sharing": {"share_with_police": "with-details", "share_with_support": "yes"},
        },
    )
    for path in (f"/staff/reports/{reference}", f"/staff/reports/{reference}/print"):
        html = officer_client.get(path).get_data(as_text=True)
        assert not any(c in html for c in DIRECTION_CONTROLS), path
        marker = '<strong class="govuk-tag govuk-tag--red">[U+{:04X}]</strong>'
        assert f"user{marker.format(0x202E)}gro.elpmaxe@evil.com" in html, path
        for code in (0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C):
            assert marker.format(code) in html, (path, hex(code))
        for code in (0x202A, 0x202B, 0x202C, 0x202D):
            assert marker.format(code) in html, (path, hex(code))
        # Each answer is isolated: its direction cannot run on into the next.
        assert "<bdi>Outside " in html and "<bdi>They said " in html
