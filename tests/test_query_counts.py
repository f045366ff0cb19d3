"""SQL statements per question page: a change that multiplies them shows up here."""

from __future__ import annotations

from .conftest import counting, csrf_token


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
    assert response.status_code == 302
    assert len(statements) == 2, statements  # read the draft, write it back
