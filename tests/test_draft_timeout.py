"""Unsent answers are deleted after a time without activity: the warning before, "Stay on this
page" (POST /report/keep-alive), and the pages for answers that are gone."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask, render_template
from sqlalchemy import select

from reporting import clock
from reporting.db import database
from reporting.models import Draft

from .draft_clock import DRAFT_COOKIE, draft_expiry, set_draft_expiry
from .helpers import Reporter, csrf_token, full_answers


def expiry(app: Flask, reporter: Reporter) -> dt.datetime:
    return draft_expiry(app, reporter.client.get_cookie(DRAFT_COOKIE).value)


def expire_in(app: Flask, reporter: Reporter, seconds: float) -> None:
    when = clock.utcnow() + dt.timedelta(seconds=seconds)
    set_draft_expiry(app, reporter.client.get_cookie(DRAFT_COOKIE).value, when)


def sent_row(app: Flask) -> tuple[bytes | None, dt.date]:
    with database(app).session() as db:
        row = db.execute(select(Draft.receipt, Draft.purge_on)).one()
    return row.receipt, row.purge_on


def token_from(reporter: Reporter, path: str = "/report/danger") -> str:
    return csrf_token(reporter.get(path).get_data(as_text=True))


def test_keep_alive_pushes_the_expiry_back(app, reporter) -> None:
    reporter.start()
    token = token_from(reporter)
    expire_in(app, reporter, 120)
    before = clock.utcnow()
    response = reporter.client.post("/report/keep-alive", data={"csrf_token": token})
    assert response.status_code == 204 and response.get_data() == b""
    idle = dt.timedelta(minutes=app.config["DRAFT_IDLE_MINUTES"])
    assert before + idle <= expiry(app, reporter) <= clock.utcnow() + idle
    # The answers are untouched.
    reporter.answer("danger", {"danger": "no"})
    assert 'value="no" checked' in reporter.get("/report/danger").get_data(as_text=True)


def test_keep_alive_needs_the_csrf_token(app, reporter) -> None:
    reporter.start()
    expire_in(app, reporter, 120)
    before = expiry(app, reporter)
    response = reporter.client.post("/report/keep-alive", data={})
    assert response.status_code == 400
    assert expiry(app, reporter) == before


def test_keep_alive_needs_a_live_draft(app, reporter) -> None:
    reporter.start()
    token = token_from(reporter)
    expire_in(app, reporter, -1)
    gone = reporter.client.post("/report/keep-alive", data={"csrf_token": token})
    assert gone.status_code == 410
    assert "Your answers have been deleted" in gone.get_data(as_text=True)
    # The expired page forgot the cookie: now there is no draft at all.
    missing = reporter.client.post("/report/keep-alive", data={"csrf_token": token})
    assert missing.status_code == 404
    assert "We cannot find your answers" in missing.get_data(as_text=True)


def test_keep_alive_does_not_revive_a_sent_draft(app, reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    token = token_from(reporter, "/report/check")
    reporter.send()
    before = sent_row(app)
    response = reporter.client.post("/report/keep-alive", data={"csrf_token": token})
    assert response.status_code == 303 and response.location.endswith("/report/sent")
    assert sent_row(app) == before


def test_keep_alive_is_rate_limited_like_every_post(make_app) -> None:
    from .helpers import HttpsClient

    app = make_app(RATELIMIT_POST="3 per minute")
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()  # counted for the network: there was no draft yet
    token = token_from(reporter)
    codes = [
        reporter.client.post("/report/keep-alive", data={"csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert codes == [204, 204, 204, 429]


def test_the_warning_is_on_journey_pages_with_the_seconds_left(app, reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    expire_in(app, reporter, 1000)
    for path in ("/report/danger", "/report/check"):
        html = reporter.get(path).get_data(as_text=True)
        dialog = re.search(r"<dialog [^>]*>", html)
        assert dialog, path
        attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', dialog.group(0)))
        assert attributes["data-module"] == "app-timeout-warning"
        assert 990 <= int(attributes["data-seconds-left"]) <= 1000, attributes
        assert attributes["data-idle-seconds"] == str(app.config["DRAFT_IDLE_MINUTES"] * 60)
        assert attributes["data-warn-seconds"] == "300"
        assert attributes["aria-labelledby"] == "timeout-warning-title"
        assert "We will delete your answers in" in html
        assert "Stay on this page" in html
        assert 'action="/report/keep-alive"' in html
        assert '<script type="module" src="/static/js/timeout-warning.js">' in html
        assert "<script>" not in html and "style=" not in html


def test_the_kept_for_sentence_says_how_long(app) -> None:
    with app.test_request_context("/"):
        html = app.jinja_env.get_template("journey/_kept_for.html").render(minutes=60)
    assert "we delete them if you do not select Continue within 60 minutes" in html


def test_journey_pages_without_a_draft_cookie_say_the_answers_cannot_be_found(client) -> None:
    for path in ("/report/danger", "/report/account", "/report/check"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert "We cannot find your answers" in html
        assert "Exit this page" in html and "only this browser" in html
        assert "Start again" in html and 'action="/start"' in html
    restart = client.post("/start", data={"csrf_token": csrf_token(html)})
    assert restart.status_code == 302 and restart.location.endswith("/report/danger")


def test_a_post_without_a_draft_cookie_keeps_nothing_and_says_why(client) -> None:
    html = client.get("/").get_data(as_text=True)
    response = client.post("/report/danger", data={"csrf_token": csrf_token(html), "danger": "no"})
    assert response.status_code == 404
    assert "We cannot find your answers" in response.get_data(as_text=True)


def test_the_warning_is_left_out_where_there_is_no_live_draft(app) -> None:
    """With nothing left to keep, a warning would only count to zero and reload the page."""
    with app.test_request_context("/report/danger"):
        html = render_template("journey/_timeout_warning.html")
    assert "<dialog" not in html and "timeout-warning.js" not in html
