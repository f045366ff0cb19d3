"""SQL statements per question page: a change that multiplies them shows up here."""

from __future__ import annotations

from reporting.db import database

from .helpers import counting, csrf_token, full_answers


def test_question_page_get_and_post_statement_counts(app, reporter) -> None:
    reporter.start()
    reporter.answer("danger", {"danger": "no"})
    with counting(app) as statements:
        page = reporter.client.get("/report/reporting-as")
    assert page.status_code == 200
    assert len(statements) == 1, statements  # load the draft
    token = csrf_token(page.get_data(as_text=True))
    with counting(app) as statements:
        response = reporter.client.post(
            "/report/reporting-as", data={"csrf_token": token, "reporter_type": "witness"}
        )
    assert response.status_code == 303
    assert len(statements) == 2, statements  # read the draft, write it back


def test_final_submit_statement_count(app, reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    page = reporter.get("/report/check")
    token = csrf_token(page.get_data(as_text=True))
    with counting(app) as statements:
        response = reporter.client.post("/report/check", data={"csrf_token": token})
    assert response.status_code == 303
    # Read the draft; turn it into its sent state (one conditional UPDATE, the first write, so
    # a second send of it writes nothing); read the active team keys (after that write: on
    # SQLite under the write lock, so a rotation cannot retire one before the commit); insert
    # the report, its strands, its incident types and its sealed data keys. The same 7 as when
    # the draft was deleted at the end. No savepoint around the report: a reference clash
    # inserts nothing (ON CONFLICT DO NOTHING) and is tried again.
    assert len(statements) == 7, statements
    assert not any("SAVEPOINT" in statement.upper() for statement in statements), statements
    assert statements[1].startswith("UPDATE drafts SET"), statements[1]
    assert "FROM team_keys" in statements[2], statements[2]
    assert "ON CONFLICT DO NOTHING" in statements[3], statements[3]
    assert "max(reports.arrival)" in statements[3], statements[3]  # the next arrival number
    if database(app).engine.dialect.name == "postgresql":
        # A key rotation that is retiring a key waits for a report being sealed to it.
        assert "FOR SHARE" in statements[2], statements[2]


def test_receipt_page_statement_count(app, reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    reporter.send()
    with counting(app) as statements:
        response = reporter.client.get("/report/sent")
    assert response.status_code == 200
    assert len(statements) == 1, statements  # read the sent row


def test_keep_alive_statement_count(app, reporter) -> None:
    reporter.start()
    page = reporter.get("/report/danger")
    with counting(app) as statements:
        response = reporter.client.post(
            "/report/keep-alive", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
        )
    assert response.status_code == 204
    # Read the draft (its expiry is encrypted: only the cookie's key can tell it has not
    # passed), then one UPDATE. "Stay on this page" is at most once per idle period.
    assert len(statements) == 2, statements
    assert statements[1].startswith("UPDATE drafts SET"), statements[1]
