"""The officer's report page: the key-facts box, the history, and closing as a duplicate."""

from __future__ import annotations

import datetime as dt
import html as html_module
import json
import re

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from reporting import messages, reports
from reporting.casework import history
from reporting.db import database
from reporting.journey.pages import PAGES
from reporting.models import AuditEntry, Report

from .helpers import HttpsClient, Reporter, counting, csrf_token, full_answers
from .pages import read_page
from .staff import StaffUser, create_user, signed_in_client

MARKER = "Kf7Marker"
TODAY = dt.date.today()


@pytest.fixture
def officer(app: Flask, team) -> StaffUser:
    return create_user(
        app, email="officer@example.org", name="Olive Officer", team_keys=team.private_keys
    )


@pytest.fixture
def officer_client(app: Flask, officer: StaffUser) -> HttpsClient:
    return signed_in_client(app, officer)


def _text(fragment: str) -> str:
    """What a person reads of an HTML fragment: tags gone, entities read, spaces collapsed."""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def key_facts(html: str) -> dict[str, str]:
    """The key-facts card's rows, key to value, as read."""
    start = html.index('<h2 class="govuk-summary-card__title">')
    assert "Key facts" in html[start : start + 200]
    card = html[start : html.index("</dl>", start)]
    rows = re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        card,
        re.S,
    )
    return {_text(key): _text(value) for key, value in rows}


def history_items(html: str) -> list[str]:
    """The history section's events, oldest first, each "day | event" as read."""
    section = html[html.index('id="history"') : html.index("govuk-grid-column-one-third")]
    items = []
    for day, events in re.findall(r"<h3[^>]*>(.*?)</h3>\s*<ul[^>]*>(.*?)</ul>", section, re.S):
        items.extend(
            f"{_text(day)} | {_text(li)}" for li in re.findall(r"<li>(.*?)</li>", events, re.S)
        )
    return items


def send_report(app: Flask, marker: str, **changes: dict[str, object]) -> str:
    """A report with ``full_answers`` changed by ``changes``, sent in the journey's order."""
    answers = {**full_answers(marker), **changes}  # a page changed to None is not answered
    ordered = {page.slug: answers[page.slug] for page in PAGES if answers.get(page.slug)}
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    reporter.answer_all(ordered)  # type: ignore[arg-type]
    match = re.search(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", reporter.send().get_data(as_text=True))
    assert match
    return match.group(0)


def stored(app: Flask, reference: str) -> Report:
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        return report


def post_status(client: HttpsClient, reference: str, **data: str):
    page = client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    return client.post(
        f"/staff/reports/{reference}/status", data={"csrf_token": csrf_token(page), **data}
    )


def entries(app: Flask, action: str) -> list[AuditEntry]:
    with database(app).session() as db:
        return list(
            db.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
            )
        )


# --- Key facts -------------------------------------------------------------------------------


def test_key_facts_of_a_report_by_email_shared_without_details(app, team, officer_client) -> None:
    reference = send_report(app, MARKER)  # email, "before", police without details, support yes
    facts = key_facts(officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True))
    assert facts == {
        "Still happening": "It has happened before",
        "Someone in danger": "No one was in immediate danger when they reported",
        "Contact": "Yes, by email: email address given (below)",
        "Interpreter or help to talk": f"Polish interpreter {MARKER}language",
        "Share with the police": "Yes, without their contact details",
        "Share with support services": "Yes",
    }


def test_key_facts_of_a_phone_contact_who_must_not_get_a_voicemail(
    app, team, officer_client
) -> None:
    reference = send_report(
        app,
        "Kf2",
        danger={"danger": "yes"},
        **{
            "still-happening": {"still_happening": "ongoing"},
            "contact": {"contact": "phone"},
            "contact-details": {"phone": "07700 900982"},
            "contact-times": {"safe_times": "Weekday \u202eevenings", "leave_message": "no"},
            "contact-language": {"language_needs": ""},
            "sharing": {"share_with_police": "with-details", "share_with_support": "no"},
        },
    )
    html = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    facts = key_facts(html)
    assert facts == {
        "Still happening": "Yes, it is still happening",
        "Someone in danger": "Yes: someone was in immediate danger when they reported",
        "Contact": "Yes, by phone: phone number given (below)",
        "Safe times to call": "Weekday [U+202E] evenings",
        "Voicemail": "Do not leave a message",
        "Interpreter or help to talk": "None asked for",
        "Share with the police": "Yes, with their contact details",
        "Share with support services": "No",
    }
    assert "\u202e" not in html  # the reporter's words cannot reorder the box
    assert "<strong>Do not leave a message</strong>" in html


def test_key_facts_of_a_reporter_who_will_check_with_their_receipt(
    app, team, officer_client
) -> None:
    reference = send_report(
        app,
        "Kf3",
        **{
            "still-happening": {"still_happening": "once"},
            "contact": {"contact": "receipt"},
            "contact-details": None,
            "contact-language": None,
            "sharing": {"share_with_police": "no", "share_with_support": "no"},
        },
    )
    facts = key_facts(officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True))
    assert facts["Still happening"] == "No, it happened once"
    assert (
        facts["Contact"] == "Do not contact them. They will check for replies with their receipt."
    )
    assert "Voicemail" not in facts and "Interpreter or help to talk" not in facts
    assert facts["Share with the police"] == "No"
    assert facts["Share with support services"] == "No"


def test_key_facts_read_the_current_consent_columns_not_the_answers(
    app, team, officer_client
) -> None:
    reference = send_report(
        app, "Kf4", sharing={"share_with_police": "with-details", "share_with_support": "yes"}
    )
    # The reporter later withdrew (the receipt pages change the clear columns).
    with database(app).session() as db:
        db.execute(
            update(Report)
            .where(Report.reference == reference)
            .values(share_with_police="no", share_with_support="no")
        )
        db.commit()
    facts = key_facts(officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True))
    assert facts["Share with the police"] == "No"
    assert facts["Share with support services"] == "No"
    # A column nobody set (a report from before the question) is a no, not a yes.
    with database(app).session() as db:
        db.execute(
            update(Report)
            .where(Report.reference == reference)
            .values(share_with_police=None, share_with_support="maybe")
        )
        db.commit()
    facts = key_facts(officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True))
    assert facts["Share with the police"] == "No"
    assert facts["Share with support services"] == "No"


def test_the_print_has_key_facts_without_contact_rows_when_details_are_withheld(
    app, team, officer_client
) -> None:
    withheld = send_report(app, "Kf5")  # police without details
    printed = officer_client.get(f"/staff/reports/{withheld}/print").get_data(as_text=True)
    facts = key_facts(printed)
    assert "Contact" not in facts and "Interpreter or help to talk" not in facts
    assert "Kf5language" not in printed
    assert facts["Share with the police"] == "Yes, without their contact details"
    shared = send_report(
        app, "Kf6", sharing={"share_with_police": "with-details", "share_with_support": "yes"}
    )
    printed = officer_client.get(f"/staff/reports/{shared}/print").get_data(as_text=True)
    assert key_facts(printed)["Contact"] == "Yes, by email: email address given (below)"


# --- History ---------------------------------------------------------------------------------


def reporter_writes(app: Flask, team, reference: str, text: str, day: dt.date) -> None:
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        key = reports.open_data_key(db, report, team.private_keys)
        messages.post(db, report, key, text, author="reporter", today=day)
        db.commit()


def test_history_lists_each_kind_of_event_in_order_without_any_text(
    app, team, officer, officer_client
) -> None:
    reference = send_report(app, "Hs1")
    other = create_user(
        app, email="sam@example.org", name="Sam Second", team_keys=team.private_keys
    )
    assert (
        post_status(officer_client, reference, new_status="in-review", expected="new").status_code
        == 302
    )
    page = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    token = csrf_token(page)
    base = f"/staff/reports/{reference}"
    officer_client.post(f"{base}/assign", data={"csrf_token": token, "assign_to": str(other.id)})
    officer_client.post(f"{base}/notes", data={"csrf_token": token, "note": f"Secret {MARKER}note"})
    officer_client.post(
        f"{base}/messages", data={"csrf_token": token, "message": f"Hello {MARKER}msg"}
    )
    reporter_writes(app, team, reference, f"Reply {MARKER}reply", TODAY)
    officer_client.post(f"{base}/assign", data={"csrf_token": token, "assign_to": "none"})
    post_status(
        officer_client,
        reference,
        new_status="closed",
        close_reason="resolved",
        expected="in-review",
    )
    html = officer_client.get(base).get_data(as_text=True)
    items = history_items(html)
    day = TODAY.strftime("%-d %B %Y")
    what = [re.sub(r"^\S.*? \| (\d\d:\d\d: )?", "", item) for item in items]
    assert what == [
        "Report received",
        "Message from the reporter",
        "Status changed from new to in review (Olive Officer)",
        "Assigned to Sam Second (Olive Officer)",
        "Note added (Olive Officer)",
        "Message sent to the reporter (Olive Officer)",
        "Unassigned (Olive Officer)",
        "Closed: resolved (Olive Officer)",
    ]
    assert all(item.startswith(f"{day} | ") for item in items)
    # Staff events carry their time; the reporter's and the arrival only their day.
    assert not re.match(r".* \| \d\d:\d\d: ", items[0]) and not re.match(
        r".* \| \d\d:\d\d: ", items[1]
    )
    assert all(re.match(r".* \| \d\d:\d\d: ", item) for item in items[2:])
    section = html[html.index('id="history"') : html.index("govuk-grid-column-one-third")]
    assert MARKER not in section
    # Reading the page (and its history) again adds nothing to it.
    assert history_items(officer_client.get(base).get_data(as_text=True)) == items


def test_history_orders_days_and_puts_the_reporters_day_before_the_teams_times(
    app, team, officer_client
) -> None:
    reference = send_report(app, "Hs2")
    post_status(officer_client, reference, new_status="in-review", expected="new")
    later = TODAY + dt.timedelta(days=3)
    reporter_writes(app, team, reference, "later", later)
    reporter_writes(app, team, reference, "same day", TODAY)
    items = history_items(officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True))
    days = [item.split(" | ")[0] for item in items]
    assert days == [TODAY.strftime("%-d %B %Y")] * 3 + [later.strftime("%-d %B %Y")]
    assert "Message from the reporter" in items[1] and "Status changed" in items[2]


def test_history_takes_few_statements_however_many_events(app, team, officer_client) -> None:
    reference = send_report(app, "Hs3")

    def count() -> int:
        with database(app).session() as db:
            report = db.scalar(select(Report).where(Report.reference == reference))
            with counting(app) as statements:
                history.history(db, report)
            return len(statements)

    # One statement per source that reads the database (arrival is the report's own column),
    # and one for the names of officers it was assigned to.
    bound = len(history.SOURCES) - 1 + 1
    assert count() <= bound
    for n in range(6):
        post_status(
            officer_client,
            reference,
            new_status="in-review" if n % 2 == 0 else "closed",
            close_reason="resolved",
            expected="new" if n == 0 else ("closed" if n % 2 == 0 else "in-review"),
        )
        reporter_writes(app, team, reference, f"m{n}", TODAY)
    page = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    token = csrf_token(page)
    for _ in range(3):
        officer_client.post(
            f"/staff/reports/{reference}/notes", data={"csrf_token": token, "note": "n"}
        )
    assert count() <= bound


def test_a_source_added_to_the_history_takes_its_place() -> None:
    report = Report(reference="HC-AAAA-BBBB", received_on=dt.date(2026, 3, 2))

    def extra(_db, _report):
        return [
            history.Event(dt.date(2026, 3, 1), None, "Earlier"),
            history.Event(dt.date(2026, 3, 2), None, "Same day"),
        ]

    events = history.history(None, report, (history.received, extra))  # type: ignore[arg-type]
    assert [e.what for e in events] == ["Earlier", "Report received", "Same day"]


# --- Closing as a duplicate ------------------------------------------------------------------


def status_form_of(html: str):
    [form] = [f for f in read_page(html).forms if f.action.endswith("/status")]
    return form


def test_closing_as_a_duplicate_links_both_reports_and_audits_both_references(
    app, team, officer, officer_client
) -> None:
    first, second = send_report(app, "Dp1"), send_report(app, "Dp2")
    page = officer_client.get(f"/staff/reports/{first}").get_data(as_text=True)
    # The reference field follows the reasons (revealed under "duplicate" with JavaScript),
    # hidden at first when scripts run; no ARIA state on a radio (ARIA does not allow it).
    form = status_form_of(page)
    assert "duplicate_of" in form.texts
    assert page.index('value="withdrawn"') < page.index('name="duplicate_of"')
    assert 'govuk-radios__conditional govuk-radios__conditional--hidden" id="duplicate-of' in page
    assert "aria-expanded" not in page and "data-aria-controls" not in page
    response = post_status(
        officer_client,
        first,
        new_status="closed",
        close_reason="duplicate",
        duplicate_of=f"  {second.lower()} ",
        expected="new",
    )
    assert response.status_code == 302
    assert stored(app, first).duplicate_of_id == stored(app, second).id
    html = officer_client.get(f"/staff/reports/{first}").get_data(as_text=True)
    assert (
        "Duplicate of </dt>" in html.replace("\n", " ").replace("  ", " ") or "Duplicate of" in html
    )
    assert f'<a class="govuk-link" href="/staff/reports/{second}">{second}</a>' in html
    other = officer_client.get(f"/staff/reports/{second}").get_data(as_text=True)
    assert "Reports closed as duplicates of this one" in other
    assert f'<a class="govuk-link" href="/staff/reports/{first}">{first}</a>' in other
    [change] = entries(app, "status-changed")
    assert change.subject == f"report:{first}"
    assert json.loads(change.details)["duplicate_of"] == second
    [link] = entries(app, "duplicate-linked")
    assert (link.subject, json.loads(link.details), link.actor_id) == (
        f"report:{second}",
        {"duplicate": first},
        officer.id,
    )
    assert any(f"Closed as a duplicate of {second}" in item for item in history_items(html))
    assert any(
        f"Report closed as a duplicate of this one: {first}" in item
        for item in history_items(other)
    )
    # The print of the duplicate says so too.
    printed = officer_client.get(f"/staff/reports/{first}/print").get_data(as_text=True)
    assert f">{second}</a>" in printed

    # Reopened: the link goes, both ways, and that is audited on both reports.
    assert (
        post_status(officer_client, first, new_status="in-review", expected="closed").status_code
        == 302
    )
    assert stored(app, first).duplicate_of_id is None
    assert "Reports closed as duplicates" not in officer_client.get(
        f"/staff/reports/{second}"
    ).get_data(as_text=True)
    [unlink] = entries(app, "duplicate-unlinked")
    assert unlink.subject == f"report:{second}" and json.loads(unlink.details) == {
        "duplicate": first
    }
    assert json.loads(entries(app, "status-changed")[1].details)["old_duplicate_of"] == second


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the reference of the report this one duplicates"),
        ("   ", "Enter the reference of the report this one duplicates"),
        ("HC-2222-2222", "There is no report with the reference HC-2222-2222"),
        ("not a reference <b>", "There is no report with the reference NOT A REFERENCE &lt;B&gt;"),
        ("x" * 41, "The reference must be 40 characters or fewer"),
        ("SELF", "Enter the reference of another report: not this one"),
    ],
)
def test_a_duplicate_without_a_usable_reference_is_refused_with_what_was_typed(
    app, team, officer_client, typed: str, message: str
) -> None:
    reference = send_report(app, "Dp3")
    typed = reference.lower() if typed == "SELF" else typed
    response = post_status(
        officer_client,
        reference,
        new_status="closed",
        close_reason="duplicate",
        duplicate_of=typed,
        expected="new",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "govuk-error-summary" in html
    assert 'href="#duplicate_of"' in html
    form = status_form_of(html)
    assert form.texts["duplicate_of"] == typed.strip()
    assert form.shown()["close_reason"] == "duplicate" and form.shown()["new_status"] == "closed"
    # Shown again (not hidden) with its error, even before any script runs.
    assert 'govuk-radios__conditional" id="duplicate-of-reveal"' in html
    assert stored(app, reference).status == "new"
    assert entries(app, "status-changed") == [] and entries(app, "duplicate-linked") == []


def test_a_duplicate_loop_is_refused(app, team, officer_client) -> None:
    a, b, c = send_report(app, "Dp4"), send_report(app, "Dp5"), send_report(app, "Dp6")
    for report, other in ((b, a), (c, b)):
        response = post_status(
            officer_client,
            report,
            new_status="closed",
            close_reason="duplicate",
            duplicate_of=other,
            expected="new",
        )
        assert response.status_code == 302
    # a -> c would close the loop a <- b <- c.
    response = post_status(
        officer_client,
        a,
        new_status="closed",
        close_reason="duplicate",
        duplicate_of=c,
        expected="new",
    )
    assert response.status_code == 400
    assert f"{c} is itself closed as a duplicate of this report" in response.get_data(as_text=True)
    assert stored(app, a).status == "new" and stored(app, a).duplicate_of_id is None


def test_a_reference_sent_with_another_reason_is_ignored(app, team, officer_client) -> None:
    a, b = send_report(app, "Dp7"), send_report(app, "Dp8")
    response = post_status(
        officer_client,
        a,
        new_status="closed",
        close_reason="resolved",
        duplicate_of=b,
        expected="new",
    )
    assert response.status_code == 302
    assert stored(app, a).duplicate_of_id is None
    assert entries(app, "duplicate-linked") == []
    # And with a status other than closed, even junk in it changes nothing.
    response = post_status(
        officer_client, a, new_status="in-review", duplicate_of="\x00" * 50, expected="closed"
    )
    assert response.status_code == 302


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    new_status=st.sampled_from(["closed", "in-review", "referred", "", "bogus"]),
    reason=st.sampled_from(["duplicate", "resolved", "", "x" * 100]),
    typed=st.one_of(
        st.text(max_size=60),
        st.sampled_from(["HC-2222-2222", "hc 2222 2222", "%", "'; DROP TABLE reports;--"]),
    ),
    expected=st.sampled_from(["new", "closed", "", "z" * 30]),
    extra=st.sampled_from([{}, {"duplicate_of": "HC-3333-3333"}]),
)
def test_any_status_form_input_gets_a_page_never_a_500(
    app, team, officer_client, new_status, reason, typed, expected, extra
) -> None:
    reference = getattr(app, "_fuzz_reference", None)
    if reference is None:
        reference = app._fuzz_reference = send_report(app, "Fz1")  # type: ignore[attr-defined]
    page = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(page),
        "new_status": new_status,
        "close_reason": reason,
        "duplicate_of": typed,
        "expected": expected,
    }
    response = officer_client.post(
        f"/staff/reports/{reference}/status",
        data=MultiDict([*data.items(), *extra.items()]),
    )
    assert response.status_code in (302, 400, 409), response.status_code
    if response.status_code == 302:
        # Reopen it, so the next example starts from a report that can be closed again.
        with database(app).session() as db:
            db.execute(
                update(Report)
                .where(Report.reference == reference)
                .values(status="new", closed_reason=None, duplicate_of_id=None)
            )
            db.commit()
    assert stored(app, reference).duplicate_of_id is None


def test_the_report_page_issues_as_many_statements_with_a_long_history(
    app, team, officer_client
) -> None:
    reference = send_report(app, "Hs4")

    def page_statements() -> int:
        with counting(app) as statements:
            assert officer_client.get(f"/staff/reports/{reference}").status_code == 200
        return len(statements)

    page_statements()  # the first opening stops the first-look clock (one write more)
    short = page_statements()
    page = officer_client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    token = csrf_token(page)
    for n in range(5):
        officer_client.post(
            f"/staff/reports/{reference}/notes", data={"csrf_token": token, "note": f"n{n}"}
        )
        reporter_writes(app, team, reference, f"m{n}", TODAY)
    post_status(officer_client, reference, new_status="in-review", expected="new")
    assert page_statements() == short
