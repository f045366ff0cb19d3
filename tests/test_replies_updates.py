"""A returning reporter adds to their report and changes what they agree to share, through the
receipt; officers see both; every receipt-page form is sent once however often it is posted.

What a reporter, an officer and someone with a copy of the database would observe.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from reporting import reporter_updates
from reporting.db import database
from reporting.models import (
    AuditEntry,
    ConsentChange,
    Message,
    ReceiptSession,
    Report,
    ReportAddition,
)

from .helpers import HttpsClient, Reporter, csrf_token, database_bytes, full_answers
from .staff import create_user, signed_in_client

MARKER = "Ad7Marker"
REPORT = "/replies/report"
MESSAGE = "/replies/report/message"
ADD = "/replies/report/add"
SHARING = "/replies/report/sharing"
FORM_TOKEN = re.compile(r'name="form_token" value="([0-9a-f]+)"')
ADDED = "What you added has been added to your report"
CHANGED = "What you agree to share has been changed"
SENT = "Your message has been sent"


# --- Helpers ---------------------------------------------------------------------------------


def send(app: Flask, drop: tuple[str, ...] = (), **answers: dict[str, Any]) -> tuple[str, str]:
    """Send a report through the journey (without the ``drop`` pages); its reference and
    receipt (16 digits)."""
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    everything = {**full_answers(MARKER), **answers}
    reporter.answer_all({slug: data for slug, data in everything.items() if slug not in drop})
    html = reporter.send().get_data(as_text=True)
    reference = re.search(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", html)
    groups = re.findall(r'app-receipt__group">(\d{4})<', html)
    assert reference and len(groups) == 4, html[:2000]
    return reference.group(0), "".join(groups)


def signed_in_reporter(app: Flask, receipt: str) -> FlaskClient:
    app.test_client_class = HttpsClient
    client = app.test_client()
    page = client.get("/replies").get_data(as_text=True)
    checked = client.post("/replies", data={"csrf_token": csrf_token(page), "receipt": receipt})
    assert checked.status_code == 303 and checked.location == REPORT
    return client


def fields(html: str) -> dict[str, str]:
    """The hidden fields every report-page form carries: CSRF and the one-use form token."""
    token = FORM_TOKEN.search(html)
    assert token, "no one-use form token on the page"
    return {"csrf_token": csrf_token(html), "form_token": token.group(1)}


def post_from_page(client: FlaskClient, path: str, **data: str) -> Any:
    """Read the report page, then send one of its forms."""
    page = client.get(REPORT).get_data(as_text=True)
    return client.post(path, data={**fields(page), **data})


def row(app: Flask, reference: str) -> Report:
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        db.expunge(report)
        return report


def count(app: Flask, table: Any) -> int:
    with database(app).session() as db:
        return int(db.scalar(select(func.count()).select_from(table)) or 0)


def audit(app: Flask, action: str) -> list[AuditEntry]:
    with database(app).session() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def officer_client(app: Flask, team: Any) -> FlaskClient:
    officer = create_user(
        app, email="officer@example.org", name="Olive Officer", team_keys=team.private_keys
    )
    return signed_in_client(app, officer)


def day(value: dt.date) -> str:
    return value.strftime("%-d %B %Y")


# --- The loop --------------------------------------------------------------------------------


def test_the_reporter_adds_information_and_the_officer_sees_it_dated(app: Flask, team: Any) -> None:
    reference, receipt = send(app)
    client = signed_in_reporter(app, receipt)
    added = post_from_page(client, ADD, addition="Later that week\nthey came back. Ad7Later")
    assert added.status_code == 303 and added.location == REPORT
    page = client.get(REPORT).get_data(as_text=True)
    assert ADDED in page
    today = day(dt.date.today())
    assert f"You added to your report on {today}" in page
    # The reporter does not see the text again (a shared device), nor their answers.
    assert "Ad7Later" not in page and MARKER not in page
    # Shown once: a refresh does not say it again.
    assert ADDED not in client.get(REPORT).get_data(as_text=True)

    officer = officer_client(app, team)
    html = officer.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert f"Added by the reporter on {today}" in html
    assert "Later that week<br>they came back. Ad7Later" in html
    # Nothing the reporter did is audited (the log's times have seconds).
    with database(app).session() as db:
        actions = set(db.scalars(select(AuditEntry.action)))
    assert not {a for a in actions if "addition" in a or "reporter" in a}


def test_an_addition_that_is_empty_or_too_long_is_refused_and_kept(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = signed_in_reporter(app, receipt)
    limit = reporter_updates.ADDITION_MAX
    for typed, error in (
        ("   \r\n ", "Enter what you want to add to your report"),
        ("x" * limit + "<b>", f"What you add must be {limit:,} characters or fewer"),
    ):
        response = post_from_page(client, ADD, addition=typed)
        assert response.status_code == 303 and response.location == REPORT
        for _shown in range(2):  # the page, then a refresh of it
            shown = client.get(REPORT)
            html = shown.get_data(as_text=True)
            assert shown.status_code == 400
            assert error in html and 'href="#addition"' in html
            assert 'class="govuk-error-summary' in html
            if typed.strip():
                assert "x" * limit + "&lt;b&gt;</textarea>" in html  # kept, escaped
            assert ADDED not in html
    assert count(app, ReportAddition) == 0
    # The limit, with Windows line breaks counted as one character each: accepted.
    exact = post_from_page(client, ADD, addition="y\r\n" * (limit // 2) + "z" * (limit % 2))
    assert exact.status_code == 303
    html = client.get(REPORT).get_data(as_text=True)
    assert ADDED in html and "govuk-error-summary" not in html and "x" * 100 not in html
    assert count(app, ReportAddition) == 1


def test_the_same_form_posted_twice_is_acted_on_once(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = signed_in_reporter(app, receipt)
    for path, data, table in (
        (MESSAGE, {"message": "Once only"}, Message),
        (ADD, {"addition": "Once only too"}, ReportAddition),
        (SHARING, {"share_with_police": "no", "share_with_support": "no"}, ConsentChange),
    ):
        page = client.get(REPORT).get_data(as_text=True)
        form = {**fields(page), **data}
        first = client.post(path, data=form)
        second = client.post(path, data=form)  # a double click, or Back and resend
        assert first.status_code == second.status_code == 303
        assert second.location == REPORT
        assert count(app, table) == 1, path
    # A form without its token (an old page) sends nothing either.
    page = client.get(REPORT).get_data(as_text=True)
    client.post(ADD, data={"csrf_token": csrf_token(page), "addition": "No token"})
    assert count(app, ReportAddition) == 1


def test_each_confirmation_shows_once(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = signed_in_reporter(app, receipt)
    for path, data, banner in (
        (MESSAGE, {"message": "Hello"}, SENT),
        (ADD, {"addition": "More"}, ADDED),
        (SHARING, {"share_with_police": "no", "share_with_support": "yes"}, CHANGED),
    ):
        response = post_from_page(client, path, **data)
        assert "sent=" not in response.location
        assert banner in client.get(REPORT).get_data(as_text=True)
        refreshed = client.get(REPORT).get_data(as_text=True)
        assert SENT not in refreshed and ADDED not in refreshed and CHANGED not in refreshed


# --- Consent ---------------------------------------------------------------------------------


def test_withdrawing_consent_changes_the_police_copy_and_the_officer_is_told(
    app: Flask, team: Any
) -> None:
    with_details = {"share_with_police": "with-details", "share_with_support": "yes"}
    reference, receipt = send(app, sharing=with_details)
    officer = officer_client(app, team)
    printed = officer.get(f"/staff/reports/{reference}/print").get_data(as_text=True)
    assert f"person{MARKER}@example.org" in printed  # shared with the details, as first sent
    assert "must not be passed to the police" not in printed

    client = signed_in_reporter(app, receipt)
    page = client.get(REPORT).get_data(as_text=True)
    assert "Yes, with my contact details" in page  # the current choice, in their words
    post_from_page(client, SHARING, share_with_police="without-details", share_with_support="yes")
    stored = row(app, reference)
    assert (stored.share_with_police, stored.share_with_support) == ("without-details", "yes")
    printed = officer.get(f"/staff/reports/{reference}/print").get_data(as_text=True)
    assert f"person{MARKER}@example.org" not in printed  # the contact details left out now
    assert "have been left out of this copy" in printed

    post_from_page(client, SHARING, share_with_police="no", share_with_support="no")
    printed = officer.get(f"/staff/reports/{reference}/print").get_data(as_text=True)
    assert "must not be passed to the police" in printed
    html = officer.get(f"/staff/reports/{reference}").get_data(as_text=True)
    today = day(dt.date.today())
    assert "govuk-notification-banner" in html
    assert f"The reporter changed what they agree to share on {today}" in html
    assert (
        "sharing with the police changed from \u2018yes, without their contact details\u2019 "
        "to \u2018no\u2019"
    ) in html
    assert "The reporter did not agree to share this report with the police." in html
    # The first officer to see each change gets one audit entry naming it; no more after.
    seen = audit(app, "consent-change-seen")
    assert len(seen) == 2 and all(entry.subject == f"report:{reference}" for entry in seen)
    assert {f'"changed_on":"{dt.date.today().isoformat()}"' in e.details for e in seen} == {True}
    assert any('"police":"without-details->no"' in e.details for e in seen)
    officer.get(f"/staff/reports/{reference}")
    assert len(audit(app, "consent-change-seen")) == 2


def test_a_report_passed_on_before_a_withdrawal_says_what_was_shared_then(
    app: Flask, team: Any
) -> None:
    with_details = {"share_with_police": "with-details", "share_with_support": "yes"}
    reference, receipt = send(app, sharing=with_details)
    officer = officer_client(app, team)
    page = officer.get(f"/staff/reports/{reference}").get_data(as_text=True)
    for status in ("in-review", "referred"):
        page = officer.get(f"/staff/reports/{reference}").get_data(as_text=True)
        current = re.search(r'name="expected" type="hidden" value="([^"]+)"', page)
        response = officer.post(
            f"/staff/reports/{reference}/status",
            data={
                "csrf_token": csrf_token(page),
                "new_status": status,
                "expected": current.group(1) if current else "",
            },
        )
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
    client = signed_in_reporter(app, receipt)
    post_from_page(client, SHARING, share_with_police="no", share_with_support="yes")
    html = officer.get(f"/staff/reports/{reference}").get_data(as_text=True)
    today = day(dt.date.today())
    assert (
        f"Passed on on {today}, when the reporter agreed to share it with the police, with "
        "their contact details"
    ) in html
    assert "They now agree to not share it with the police" in html


def test_with_my_contact_details_is_no_choice_without_contact_details(
    app: Flask, team: Any
) -> None:
    no_contact = {"share_with_police": "without-details", "share_with_support": "no"}
    reference, receipt = send(
        app,
        ("contact-details", "contact-language"),
        contact={"contact": "receipt"},
        sharing=no_contact,
    )
    client = signed_in_reporter(app, receipt)
    page = client.get(REPORT).get_data(as_text=True)
    assert 'value="with-details"' not in page
    post_from_page(client, SHARING, share_with_police="with-details", share_with_support="no")
    shown = client.get(REPORT)
    assert shown.status_code == 400
    assert "Select if we can share your report with the police" in shown.get_data(as_text=True)
    assert row(app, reference).share_with_police == "without-details"
    assert count(app, ConsentChange) == 0


def test_choosing_the_same_sharing_changes_nothing(app: Flask, team: Any) -> None:
    reference, receipt = send(app)
    client = signed_in_reporter(app, receipt)
    post_from_page(client, SHARING, share_with_police="without-details", share_with_support="yes")
    html = client.get(REPORT).get_data(as_text=True)
    assert CHANGED not in html and "Nothing was changed" in html
    assert count(app, ConsentChange) == 0


# --- Attacks and odd input -------------------------------------------------------------------


def test_a_session_reaches_only_its_own_report(app: Flask, team: Any) -> None:
    first, receipt = send(app)
    second, _other = send(app)
    client = signed_in_reporter(app, receipt)
    other_id = row(app, second).id
    post_from_page(client, ADD, addition="Mine", report=other_id, reference=second)
    post_from_page(
        client, SHARING, share_with_police="no", share_with_support="no", report_id=other_id
    )
    with database(app).session() as db:
        owners = set(db.scalars(select(ReportAddition.report_id)))
        changed = set(db.scalars(select(ConsentChange.report_id)))
    assert owners == changed == {row(app, first).id}
    assert row(app, second).share_with_police == "without-details"
    assert second not in client.get(REPORT).get_data(as_text=True)


def test_a_stolen_database_does_not_reveal_an_addition(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = signed_in_reporter(app, receipt)
    post_from_page(client, ADD, addition="Ad7Secret the second incident")
    assert count(app, ReportAddition) == 1
    stored = database_bytes(app)
    assert b"Ad7Secret" not in stored
    assert "Ad7Secret".encode("utf-16-le") not in stored


JUNK = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "with-details", "no", "yes", "\x00", "<script>", "a" * 6000]),
)


def test_no_post_however_odd_answers_500(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    client = signed_in_reporter(app, receipt)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        path=st.sampled_from([ADD, SHARING, MESSAGE]),
        police=JUNK,
        support=JUNK,
        text=JUNK,
        token=st.sampled_from(["page", "missing", "junk"]),
    )
    def odd(path: str, police: str, support: str, text: str, token: str) -> None:
        page = client.get(REPORT).get_data(as_text=True)
        data = fields(page)
        if token == "missing":
            del data["form_token"]
        elif token == "junk":
            data["form_token"] = text
        data.update(share_with_police=police, share_with_support=support, addition=text)
        data["message"] = text
        response = client.post(path, data=data)
        assert response.status_code == 303
        shown = client.get(REPORT)
        assert shown.status_code in (200, 400)

    odd()


def test_an_addition_sent_after_the_session_ended_is_shown_back_to_copy(
    app: Flask, team: Any
) -> None:
    _reference, receipt = send(app)
    client = signed_in_reporter(app, receipt)
    page = client.get(REPORT).get_data(as_text=True)
    with database(app).session() as db:
        db.execute(ReceiptSession.__table__.delete())
        db.commit()
    response = client.post(ADD, data={**fields(page), "addition": "First line\nSecond <line>"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "What you were adding was not added to your report" in html
    assert "First line<br>Second &lt;line&gt;" in html
    assert count(app, ReportAddition) == 0


def test_a_report_marked_passed_on_without_a_logged_day_says_so(app: Flask, team: Any) -> None:
    reference, receipt = send(app)
    with database(app).session() as db:
        db.execute(update(Report).where(Report.reference == reference).values(status="referred"))
        db.commit()
    client = signed_in_reporter(app, receipt)
    post_from_page(client, SHARING, share_with_police="no", share_with_support="yes")
    html = officer_client(app, team).get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert "marked as passed on, but the audit log does not say when" in html
    assert "Passed on on" not in html


def test_the_history_lists_additions_and_consent_changes_without_their_text(
    app: Flask, team: Any
) -> None:
    with_details = {"share_with_police": "with-details", "share_with_support": "yes"}
    reference, receipt = send(app, sharing=with_details)
    client = signed_in_reporter(app, receipt)
    post_from_page(client, ADD, addition="Hist0ryText of a later incident")
    post_from_page(client, SHARING, share_with_police="no", share_with_support="yes")
    officer = officer_client(app, team)
    html = officer.get(f"/staff/reports/{reference}").get_data(as_text=True)
    history = html[html.index('id="history"') :]
    assert "<li>Information added by the reporter</li>" in history
    assert (
        "<li>The reporter changed what they agree to share: sharing with the police changed "
        "from \u2018yes, with their contact details\u2019 to \u2018no\u2019</li>"
    ) in history
    # The officer who first saw the change, with the time of their seeing it.
    assert "Saw the reporter&#39;s change to what they agree to share" in history
    assert "Olive Officer" in history
    # What was added is on the page, but never in the history.
    assert "Hist0ryText" not in history
