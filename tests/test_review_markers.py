"""The review list's markers and first-look clock, as an officer sees them: due dates, overdue
(marked and filtered), a new message from the reporter, someone in danger."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import select

from reporting import clocks, messages, reports
from reporting.db import database
from reporting.models import Report

from .helpers import HttpsClient, counting, send_report
from .review import TODAY, counts_on, insert_reports, reference_for, references_on, report_row
from .staff import StaffUser, create_user, signed_in_client

YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def officer(app: Flask, team) -> StaffUser:
    return create_user(app, email="officer@example.org", team_keys=team.private_keys)


@pytest.fixture
def officer_client(app: Flask, officer: StaffUser) -> HttpsClient:
    return signed_in_client(app, officer)


def items_on(html: str) -> dict[str, str]:
    """Each report's list item (its reference, markers, facts and status), by reference."""
    main = html[html.index("<main") : html.index("</main>")]
    items = re.findall(r'<li class="govuk-task-list__item.*?</li>', main, re.S)
    return {references_on(item)[0]: item for item in items}


def markers_in(item: str) -> list[str]:
    """The tags under the reference (the status has its own, apart)."""
    hint = item[item.index("govuk-task-list__hint") : item.index("govuk-task-list__status")]
    return re.findall(r'<strong class="govuk-tag govuk-tag--\w+">([^<]+)</strong>', hint)


def clock_rows(**by_number: tuple[dt.date | None, dt.date | None, str]) -> list[dict]:
    """Rows numbered as named ("n3": (due_on, first_looked_on, status)), received 10 days ago."""
    return [
        report_row(
            int(name[1:]),
            received_on=TODAY - dt.timedelta(days=10),
            due_on=due,
            first_looked_on=looked,
            status=status,
        )
        for name, (due, looked, status) in by_number.items()
    ]


def test_each_report_shows_when_its_first_look_is_due_then_when_it_happened(
    app, team, officer_client
) -> None:
    reference = send_report(app, "Mk1")
    due = clocks.add_working_days(dt.date.today(), 2)
    item = items_on(officer_client.get("/staff/reports/").get_data(as_text=True))[reference]
    assert f"First look due {due.strftime('%-d %b %Y')}" in item
    assert "Overdue" not in markers_in(item)
    assert officer_client.get(f"/staff/reports/{reference}").status_code == 200
    item = items_on(officer_client.get("/staff/reports/").get_data(as_text=True))[reference]
    assert f"First looked at {dt.date.today().strftime('%-d %b %Y')}" in item
    assert "First look due" not in item


def test_overdue_is_marked_from_the_day_after_the_due_day(app, officer_client) -> None:
    insert_reports(
        app,
        clock_rows(
            n1=(YESTERDAY, None, "new"),  # overdue
            n2=(TODAY, None, "new"),  # due today: not yet
            n3=(YESTERDAY, YESTERDAY, "new"),  # looked at (opened, status unchanged)
            n4=(YESTERDAY - dt.timedelta(days=5), TODAY, "in-review"),  # looked at late
            n5=(None, None, "new"),  # no clock (a report from before it)
        ),
    )
    items = items_on(officer_client.get("/staff/reports/").get_data(as_text=True))
    overdue = {ref for ref, item in items.items() if "Overdue" in markers_in(item)}
    assert overdue == {reference_for(1)}
    assert "First look due today" in items[reference_for(2)]
    assert "First look" not in items[reference_for(5)]

    response = officer_client.get("/staff/reports/?first_look=overdue")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert references_on(html) == [reference_for(1)]
    assert counts_on(html)["all"] == 1 and counts_on(html)["new"] == 1
    assert 'value="overdue" selected' in html
    # The filter is kept by the links that change the others (status counts).
    assert "first_look=overdue" in html[html.index("<table") : html.index("</table>")]


def test_the_overdue_filter_combines_with_the_others(app, officer_client) -> None:
    rows = clock_rows(
        n1=(YESTERDAY, None, "new"),
        n2=(YESTERDAY, None, "new"),
        n3=(YESTERDAY, YESTERDAY, "closed"),
    )
    rows[1]["district"] = "corby"
    rows[1]["strands"] = ("age",)
    insert_reports(app, rows)
    for query, expected in [
        ("first_look=overdue&district=corby", [2]),
        ("first_look=overdue&strand=age", [2]),
        ("first_look=overdue&strand=race&status=new", [1]),
        ("first_look=overdue&status=closed", []),
    ]:
        html = officer_client.get(f"/staff/reports/?{query}").get_data(as_text=True)
        assert references_on(html) == [reference_for(n) for n in expected], query


@pytest.mark.parametrize("nonsense", ["maybe", "OVERDUE", "overdue" * 100, "1"])
def test_a_nonsense_overdue_filter_gets_an_error_not_a_list(officer_client, nonsense) -> None:
    response = officer_client.get("/staff/reports/", query_string={"first_look": nonsense})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert 'href="#first_look">Select overdue only, or any</a>' in html


def post_from_reporter(app: Flask, reference: str, team, text: str) -> None:
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        key = reports.open_data_key(db, report, team.private_keys)
        messages.post(db, report, key, text, author="reporter", today=dt.date.today())
        db.commit()


def test_a_message_from_the_reporter_is_marked_until_an_officer_reads_it(
    app, team, officer, officer_client
) -> None:
    waiting = send_report(app, "Mk2")
    quiet = send_report(app, "Mk3")
    answered = send_report(app, "Mk4")
    post_from_reporter(app, waiting, team, "Mk2 I have more to tell you")
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == answered))
        key = reports.open_data_key(db, report, team.private_keys)
        messages.post(
            db, report, key, "Mk4 from us", author="team", today=TODAY, actor_id=officer.id
        )
        db.commit()
    with counting(app) as statements:
        html = officer_client.get("/staff/reports/").get_data(as_text=True)
    items = items_on(html)
    assert "New message" in markers_in(items[waiting])
    assert "New message" not in markers_in(items[quiet]) + markers_in(items[answered])
    assert "Mk2" not in html  # the marker, never the message
    # 6, and the officer's first look at the list starts their seen mark (casework/seen.py).
    assert len(statements) <= 7, statements

    # Opening the report page shows the officer the message, and the marker goes.
    page = officer_client.get(f"/staff/reports/{waiting}").get_data(as_text=True)
    assert "Mk2 I have more to tell you" in page
    items = items_on(officer_client.get("/staff/reports/").get_data(as_text=True))
    assert "New message" not in markers_in(items[waiting])
    # A second message from the reporter brings the marker back.
    post_from_reporter(app, waiting, team, "Mk2 and another thing")
    items = items_on(officer_client.get("/staff/reports/").get_data(as_text=True))
    assert "New message" in markers_in(items[waiting])


def test_markers_are_listed_most_urgent_first(app, team, officer_client) -> None:
    insert_reports(
        app,
        [
            report_row(
                1,
                received_on=TODAY - dt.timedelta(days=10),
                due_on=YESTERDAY,
                first_looked_on=None,
                in_danger=True,
            )
        ],
    )
    post_from_reporter_row(app, reference_for(1))
    item = items_on(officer_client.get("/staff/reports/").get_data(as_text=True))[reference_for(1)]
    assert markers_in(item) == ["Someone was in immediate danger", "Overdue", "New message"]


def post_from_reporter_row(app: Flask, reference: str) -> None:
    """A reporter's message on a bulk-inserted report (no real key: the list never opens it)."""
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        messages.post(db, report, b"k" * 32, "hello", author="reporter", today=TODAY)
        db.commit()


def test_markers_and_the_overdue_filter_keep_the_statement_count(app, officer_client) -> None:
    rows = [
        report_row(
            n,
            received_on=TODAY - dt.timedelta(days=n % 9),
            due_on=TODAY - dt.timedelta(days=n % 5 - 2),
            first_looked_on=None if n % 3 else TODAY,
            in_danger=n % 7 == 0,
            strands=("race", "age") if n % 2 else ("race",),
        )
        for n in range(60)
    ]
    insert_reports(app, rows)
    for n in range(0, 60, 4):
        post_from_reporter_row(app, reference_for(n))
    officer_client.get("/staff/reports/")  # the session's last-seen time, written once a minute
    for query in ("", "page=2", "first_look=overdue", "first_look=overdue&strand=age"):
        with counting(app) as statements:
            html = officer_client.get(f"/staff/reports/?{query}").get_data(as_text=True)
        assert references_on(html), query
        # Session, user, officers for the filter, counts per status, the page (with its
        # strands), and which of its reports have an unread message.
        assert len(statements) <= 6, (query, statements)
    # Strands still read in full and in order, from the page's own statement.
    html = officer_client.get("/staff/reports/").get_data(as_text=True)
    assert "Hate strands: Age, Race, ethnicity or nationality<" in items_on(html)[reference_for(1)]
