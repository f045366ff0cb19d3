"""Working days in England and Wales, and the first-look clock on a report."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from sqlalchemy import inspect, select, text, update

from reporting import clocks, create_app, migrate
from reporting.casework import actions, opening
from reporting.config import ConfigError
from reporting.db import database
from reporting.models import Report

from .helpers import base_config, csrf_token, full_answers, send_report
from .staff import create_user, signed_in_client

D = dt.date


# --- Working days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 3, 9), 2, D(2026, 3, 11)),  # Monday -> Wednesday
        (D(2026, 3, 12), 2, D(2026, 3, 16)),  # Thursday -> Monday, over the weekend
        (D(2026, 3, 13), 2, D(2026, 3, 17)),  # Friday -> Tuesday
        (D(2026, 3, 14), 2, D(2026, 3, 17)),  # Saturday -> Tuesday
        (D(2026, 3, 15), 1, D(2026, 3, 16)),  # Sunday -> Monday
        (D(2026, 3, 13), 0, D(2026, 3, 13)),
        # Christmas 2026: Friday 25th, Boxing Day a Saturday, so Monday 28th in lieu.
        (D(2026, 12, 24), 1, D(2026, 12, 29)),
        (D(2026, 12, 24), 2, D(2026, 12, 30)),
        # New Year's Day 2027 is a Friday; 2 January (Scotland's only) is a Saturday anyway.
        (D(2026, 12, 31), 1, D(2027, 1, 4)),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (D(2026, 4, 2), 1, D(2026, 4, 7)),
        (D(2026, 4, 2), 2, D(2026, 4, 8)),
        # Late Summer Bank Holiday (England and Wales): Monday 31 August 2026.
        (D(2026, 8, 28), 1, D(2026, 9, 1)),
    ],
)
def test_add_working_days_skips_weekends_and_bank_holidays(start, n, expected) -> None:
    assert clocks.add_working_days(start, n) == expected
    assert clocks.working_days_between(start, expected) == n


def test_scottish_only_bank_holidays_are_working_days_here() -> None:
    # 2 January 2026 is a Friday: a bank holiday in Scotland, a working day in England and Wales.
    scotland = holidays.country_holidays("GB", subdiv="SCT", years=2026)
    assert D(2026, 1, 2) in scotland
    assert clocks.is_working_day(D(2026, 1, 2))
    assert clocks.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 2)
    # St Andrew's Day, Monday 30 November 2026; Scotland's Summer Bank Holiday, 3 August 2026.
    for day in (D(2026, 11, 30), D(2026, 8, 3)):
        assert day in scotland
        assert clocks.is_working_day(day)
    assert clocks.add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)
    # Northern Ireland's St Patrick's Day (Tuesday 17 March 2026) is a working day too.
    assert clocks.is_working_day(D(2026, 3, 17))


def test_england_and_wales_have_the_same_bank_holidays() -> None:
    years = range(2000, 2061)
    england = holidays.country_holidays("GB", subdiv="ENG", years=years)
    wales = holidays.country_holidays("GB", subdiv="WLS", years=years)
    assert set(england) == set(wales)
    # One-off ones come from the library too: the Queen's funeral, the King's coronation.
    assert not clocks.is_working_day(D(2022, 9, 19))
    assert not clocks.is_working_day(D(2023, 5, 8))


def test_working_days_between() -> None:
    assert clocks.working_days_between(D(2026, 3, 13), D(2026, 3, 13)) == 0
    assert clocks.working_days_between(D(2026, 3, 13), D(2026, 3, 15)) == 0  # the weekend
    assert clocks.working_days_between(D(2026, 3, 13), D(2026, 3, 16)) == 1
    assert clocks.working_days_between(D(2026, 3, 16), D(2026, 3, 13)) == -1
    # Christmas week 2026 to New Year: 29, 30, 31 December and 4 January.
    assert clocks.working_days_between(D(2026, 12, 24), D(2027, 1, 4)) == 4
    with pytest.raises(ValueError):
        clocks.add_working_days(D(2026, 3, 13), -1)


def test_overdue_is_strictly_after_the_due_day() -> None:
    due = D(2026, 3, 17)
    assert not clocks.is_overdue(due, None, today=D(2026, 3, 17))  # due today: not yet
    assert clocks.is_overdue(due, None, today=D(2026, 3, 18))
    assert not clocks.is_overdue(due, D(2026, 3, 18), today=D(2026, 3, 19))  # looked at (late)
    assert not clocks.is_overdue(None, None, today=D(2026, 3, 19))  # no clock


@pytest.mark.parametrize("days", [0, 31, "2", 1.5, True, None])
def test_the_promise_must_be_a_sensible_number_of_working_days(tmp_path, days) -> None:
    assert create_app({**base_config(tmp_path), "FIRST_LOOK_WORKING_DAYS": 1})
    with pytest.raises(ConfigError, match="FIRST_LOOK_WORKING_DAYS"):
        create_app({**base_config(tmp_path), "FIRST_LOOK_WORKING_DAYS": days})


# --- The clock on a report -------------------------------------------------------------------


def stored(app, reference: str) -> Report:
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        return report


def test_a_sent_report_is_due_its_working_days_after_arriving(app, team) -> None:
    reference = send_report(app, "Ck1")
    report = stored(app, reference)
    assert report.received_on == dt.date.today()
    assert report.due_on == clocks.add_working_days(dt.date.today(), 2)
    assert report.first_looked_on is None


def test_the_due_day_follows_the_configured_promise(app, team) -> None:
    app.config["FIRST_LOOK_WORKING_DAYS"] = 5
    report = stored(app, send_report(app, "Ck2"))
    assert report.due_on == clocks.add_working_days(dt.date.today(), 5)


def test_the_confirmation_promises_what_the_clock_measures(app, team, reporter) -> None:
    app.config["FIRST_LOOK_WORKING_DAYS"] = 3
    reporter.start()
    reporter.answer_all(full_answers())
    html = reporter.send().get_data(as_text=True)
    assert "Someone will usually look at your report within 3 working days" in html


def test_first_look_is_kept_once_as_a_day(app, team) -> None:
    officer = create_user(app, email="o@example.org", team_keys=team.private_keys)
    client = signed_in_client(app, officer)
    reference = send_report(app, "Ck3")
    assert client.get(f"/staff/reports/{reference}").status_code == 200
    report = stored(app, reference)
    assert report.first_looked_on == dt.date.today()
    assert type(report.first_looked_on) is dt.date  # a day, not a time

    # Later reads and a status change, on later days, leave the first look where it was.
    later = dt.date.today() + dt.timedelta(days=3)
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        opening.record_read(db, report, actor_id=officer.id, today=later)
        actions.change_status(db, report, "in-review", actor_id=officer.id, today=later)
        db.commit()
    assert client.get(f"/staff/reports/{reference}").status_code == 200
    report = stored(app, reference)
    assert report.first_looked_on == dt.date.today()
    assert report.status_changed_on == later


def test_a_status_change_stops_the_clock_of_a_report_nobody_opened(app, team) -> None:
    officer = create_user(app, email="o@example.org", team_keys=team.private_keys)
    reference = send_report(app, "Ck4")
    day = dt.date.today() + dt.timedelta(days=1)
    with database(app).session() as db:
        report = db.scalar(select(Report).where(Report.reference == reference))
        actions.change_status(
            db, report, "closed", reason="no-further-action", actor_id=officer.id, today=day
        )
        db.commit()
    assert stored(app, reference).first_looked_on == day
    # Through the page: the POST changes the status without opening the report first.
    client = signed_in_client(app, officer)
    other = send_report(app, "Ck5")
    page = client.get(f"/staff/reports/{other}").get_data(as_text=True)
    with database(app).session() as db:
        db.execute(update(Report).where(Report.reference == other).values(first_looked_on=None))
        db.commit()
    response = client.post(
        f"/staff/reports/{other}/status",
        data={"csrf_token": csrf_token(page), "expected": "new", "new_status": "in-review"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert stored(app, other).first_looked_on == dt.date.today()


# --- Reports already there when the clock arrived (migration 0013) ---------------------------


def test_0013_gives_reports_already_there_the_clock_known_from_the_audit_log(app) -> None:
    engine = database(app).engine
    migrate.downgrade(engine, "0012")
    reports = [
        # (id, reference, received_on, status): Friday 13 March 2026 is due Tuesday 17 March.
        ("a1", "HC-AAAA-BBBB", "2026-03-13", "new"),  # nobody has looked: due, no first look
        ("a2", "HC-AAAA-CCCC", "2026-03-13", "new"),  # read on 16 March, status unchanged
        ("a3", "HC-AAAA-DDDD", "2026-12-24", "closed"),  # read on 29, then closed on 30 Dec
        ("a4", "HC-AAAA-EEEE", "2026-03-13", "closed"),  # closed, but no entry says when
    ]
    audit = [
        ("report-read", "report:HC-AAAA-CCCC", "2026-03-16 23:59:59"),
        ("report-read", "report:HC-AAAA-CCCC", "2026-03-20 09:00:00"),
        ("status-changed", "report:HC-AAAA-DDDD", "2026-12-30 10:00:00"),
        ("report-read", "report:HC-AAAA-DDDD", "2026-12-29 10:00:00"),
        ("note-added", "report:HC-AAAA-BBBB", "2026-03-14 10:00:00"),  # not a look
    ]
    with engine.begin() as connection:
        for report_id, reference, received_on, status in reports:
            connection.execute(
                text(
                    "INSERT INTO reports (id, reference, received_on, status, reporter_type,"
                    " answers, receipt_lookup, reporter_public_key,"
                    " reporter_private_key_encrypted) VALUES (:id, :reference, :received_on,"
                    " :status, 'victim', :blob, :lookup, :blob, :blob)"
                ),
                {
                    "id": report_id,
                    "reference": reference,
                    "received_on": D.fromisoformat(received_on),
                    "status": status,
                    "blob": b"\x01ciphertext",
                    "lookup": reference.encode(),
                },
            )
        for seq, (action, subject, at) in enumerate(audit, start=1):
            connection.execute(
                text(
                    "INSERT INTO audit_log (seq, version, occurred_at, action, subject, details,"
                    " previous_hash, entry_hash) VALUES (:seq, 2, :at, :action, :subject, '{}',"
                    " :previous, :hash)"
                ),
                {
                    "seq": seq,
                    "at": dt.datetime.fromisoformat(at),
                    "action": action,
                    "subject": subject,
                    "previous": f"{seq - 1:064x}",
                    "hash": f"{seq:064x}",
                },
            )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Report.reference, Report.due_on, Report.first_looked_on).order_by(Report.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("HC-AAAA-BBBB", D(2026, 3, 17), None),
        ("HC-AAAA-CCCC", D(2026, 3, 17), D(2026, 3, 16)),
        # Christmas, Boxing Day (a Saturday) and the Monday in lieu: due Wednesday 30th.
        ("HC-AAAA-DDDD", D(2026, 12, 30), D(2026, 12, 29)),
        ("HC-AAAA-EEEE", None, None),  # left "new" unseen by the log: no clock
    ]
    migrate.downgrade(engine, "0012")
    columns = {column["name"] for column in inspect(engine).get_columns("reports")}
    assert not columns & {"due_on", "first_looked_on"}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM reports")).scalar() == 4
    migrate.upgrade(engine)
