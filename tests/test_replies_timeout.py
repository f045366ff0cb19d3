"""The receipt session ends after RECEIPT_IDLE_MINUTES without a request: the warning before it
(WCAG 2.2.1), "Stay signed in" (POST /replies/keep-alive), and what a page says without
JavaScript."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any
from unittest import mock

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from reporting import clock, create_app, follow_up
from reporting.config import ConfigError
from reporting.db import database
from reporting.models import ReceiptSession

from .helpers import HttpsClient, base_config, csrf_token
from .test_replies import (
    COOKIE,
    fields,
    new_client,
    open_session_at,
    send,
    session_count,
    try_receipt,
)

KEEP_ALIVE = "/replies/keep-alive"
SIGNED_OUT = "You have been signed out of your report"


def seconds_left(app: Flask, client: FlaskClient) -> int:
    """The session's seconds left, read with the key in the browser's cookie (as only it can)."""
    stored = client.get_cookie(COOKIE)
    assert stored is not None
    with database(app).session() as db:
        return follow_up.seconds_left(db, follow_up.ReceiptCookie.parse(stored.value))


def signed_in(app: Flask, minutes_ago: float = 0) -> tuple[FlaskClient, str]:
    """A browser whose receipt session was last used ``minutes_ago``; the report page's token."""
    _reference, receipt = send(app)
    client = new_client(app)
    if minutes_ago:
        when = clock.utcnow() - dt.timedelta(minutes=minutes_ago)
        client.set_cookie(COOKIE, open_session_at(app, receipt, when))
        # A token from a page of another session in the same browser: CSRF tokens are per
        # browser, not per receipt session.
        return client, csrf_token(client.get("/replies").get_data(as_text=True))
    try_receipt(client, receipt)
    return client, csrf_token(client.get("/replies/report").get_data(as_text=True))


class _Dialog(HTMLParser):
    """The warning's <dialog> attributes, and the forms inside it (action, button text)."""

    def __init__(self) -> None:
        super().__init__()
        self.attributes: dict[str, str | None] = {}
        self.forms: list[str] = []
        self.buttons: list[str] = []
        self._inside = self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "dialog":
            self.attributes, self._inside = dict(attrs), True
        elif self._inside and tag == "form":
            self.forms.append(str(dict(attrs)["action"]))
        elif self._inside and tag == "button":
            self._in_button = True
            self.buttons.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = self._inside and tag != "dialog"
        self._in_button = self._in_button and tag != "button"

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self.buttons[-1] += data.strip()


def dialog_of(html: str) -> _Dialog:
    parser = _Dialog()
    parser.feed(html)
    return parser


# --- Stay signed in --------------------------------------------------------------------------


def test_stay_signed_in_pushes_the_end_back_and_keeps_what_was_refused(
    app: Flask, team: Any
) -> None:
    client, token = signed_in(app)
    # A reply refused (empty) is kept, sealed with the session, for the page after.
    client.post("/replies/report/message", data={**fields(client), "message": "   "})
    assert "Enter your message" in client.get("/replies/report").get_data(as_text=True)
    with database(app).session() as db:
        cookie = follow_up.ReceiptCookie.parse(client.get_cookie(COOKIE).value)  # type: ignore[union-attr]
        follow_up.load(db, cookie, now=clock.utcnow() - dt.timedelta(minutes=17))
        db.commit()  # as if the last request was 17 minutes ago: 3 minutes left
    assert 170 <= seconds_left(app, client) <= 180

    response = client.post(KEEP_ALIVE, data={"csrf_token": token})
    assert response.status_code == 204 and response.get_data() == b""
    assert 20 * 60 - 5 <= seconds_left(app, client) <= 20 * 60
    page = client.get("/replies/report")
    assert page.status_code == 400 and "Enter your message" in page.get_data(as_text=True)
    # The new end is sealed: in clear the row keeps only its purge day, never a time.
    with database(app).session() as db:
        row = db.execute(select(ReceiptSession)).scalar_one()
        assert type(row.purge_on) is dt.date
        assert set(ReceiptSession.__table__.columns.keys()) == {"id", "sealed", "purge_on"}


def test_stay_signed_in_and_every_page_read_the_setting(make_app: Any, team: Any) -> None:
    app = make_app(RECEIPT_IDLE_MINUTES=7, RECEIPT_WARNING_SECONDS=120)
    _reference, receipt = send(app)
    client = new_client(app)
    assert "If you do nothing for 7 minutes" in client.get("/replies").get_data(as_text=True)
    try_receipt(client, receipt)
    assert 7 * 60 - 5 <= seconds_left(app, client) <= 7 * 60
    html = client.get("/replies/report").get_data(as_text=True)
    assert "If you do nothing for 7 minutes, you are signed out." in html
    dialog = dialog_of(html).attributes
    assert dialog["data-idle-seconds"] == "420" and dialog["data-warn-seconds"] == "120"
    assert "sign you out of your report in <span data-timeout-countdown>2 minutes</span>" in html
    token = csrf_token(html)
    assert client.post(KEEP_ALIVE, data={"csrf_token": token}).status_code == 204
    assert 7 * 60 - 5 <= seconds_left(app, client) <= 7 * 60
    # Ended by time: the page says how long, from the same setting.
    with database(app).session() as db:
        cookie = follow_up.open_with_receipt(
            db,
            receipt,
            pepper=bytes.fromhex(app.config["RECEIPT_PEPPER"]),
            receipt_kdf=app.config["RECEIPT_KDF"],
            idle_minutes=7,
            now=clock.utcnow() - dt.timedelta(minutes=7, seconds=1),
        )
        db.commit()
    client.set_cookie(COOKIE, cookie.value())
    ended = client.post(KEEP_ALIVE, data={"csrf_token": token})
    assert ended.status_code == 410
    assert "done nothing for 7 minutes" in ended.get_data(as_text=True)


def test_stay_signed_in_needs_the_csrf_token(app: Flask, team: Any) -> None:
    client, _token = signed_in(app, minutes_ago=10)
    before = seconds_left(app, client)
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(KEEP_ALIVE, data=data)
        assert response.status_code == 400
        assert seconds_left(app, client) <= before  # not pushed back


def test_stay_signed_in_after_the_end_says_so_and_forgets_the_session(
    app: Flask, team: Any
) -> None:
    client, token = signed_in(app, minutes_ago=21)
    assert session_count(app) == 1
    response = client.post(KEEP_ALIVE, data={"csrf_token": token})
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert SIGNED_OUT in html and "done nothing for 20 minutes" in html
    assert 'href="/replies"' in html and "<dialog" not in html
    assert session_count(app) == 0 and client.get_cookie(COOKIE) is None
    # Nothing to keep now: the same page again, never a new session.
    again = client.post(KEEP_ALIVE, data={"csrf_token": token})
    assert again.status_code == 404 and SIGNED_OUT in again.get_data(as_text=True)
    assert session_count(app) == 0


def test_stay_signed_in_without_a_session_is_the_signed_out_page(client: FlaskClient) -> None:
    token = csrf_token(client.get("/replies").get_data(as_text=True))
    forged = follow_up.ReceiptCookie("ab" * 16, b"k" * 32).value()
    for value in (None, "garbage", forged):
        if value is not None:
            client.set_cookie(COOKIE, value)
        response = client.post(KEEP_ALIVE, data={"csrf_token": token})
        assert response.status_code == 404
        assert SIGNED_OUT in response.get_data(as_text=True)


def test_signing_out_stops_stay_signed_in_from_bringing_it_back(app: Flask, team: Any) -> None:
    client, token = signed_in(app)
    assert client.post("/replies/sign-out", data={"csrf_token": token}).status_code == 303
    assert client.post(KEEP_ALIVE, data={"csrf_token": token}).status_code == 404
    assert client.get("/replies/report").status_code == 404
    assert session_count(app) == 0


# --- The warning on the page -----------------------------------------------------------------


def test_the_report_page_carries_the_warning_from_the_sealed_session(app: Flask, team: Any) -> None:
    client, _token = signed_in(app)
    html = client.get("/replies/report").get_data(as_text=True)
    dialog = dialog_of(html)
    attributes = dialog.attributes
    assert attributes["data-module"] == "app-timeout-warning"
    # The page's request pushed the end back: all the idle time is left.
    assert 20 * 60 - 5 <= int(attributes["data-seconds-left"] or 0) <= 20 * 60
    assert attributes["data-idle-seconds"] == "1200"
    assert attributes["data-warn-seconds"] == str(app.config["RECEIPT_WARNING_SECONDS"])
    assert attributes["aria-labelledby"] == "replies-timeout-title"
    assert attributes["aria-describedby"] == "replies-timeout-text"
    assert "open" not in attributes  # closed: without JavaScript it is never shown
    assert 'id="replies-timeout-title">You will be signed out soon</h2>' in html
    assert dialog.forms == [KEEP_ALIVE, "/replies/sign-out"]
    assert dialog.buttons == ["Stay signed in", "Sign out"]
    assert '<script type="module" src="/static/js/timeout-warning.js">' in html
    # Without JavaScript: said plainly, in words.
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S)
    assert noscript is not None
    assert "You will be signed out if you do nothing for 20 minutes." in noscript.group(1)
    assert "we will show it to you again so that you can copy it" in noscript.group(1)


def test_no_warning_where_there_is_no_session(app: Flask, client: FlaskClient) -> None:
    for path in ("/replies", "/replies/report", "/replies/signed-out"):
        html = client.get(path).get_data(as_text=True)
        assert "<dialog" not in html and "timeout-warning.js" not in html, path
    with app.test_request_context("/replies/report"):
        assert render_template("replies/_timeout_warning.html").strip() == ""


def test_seconds_left_reads_without_extending(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    opened = clock.utcnow() - dt.timedelta(minutes=5)
    cookie = follow_up.ReceiptCookie.parse(open_session_at(app, receipt, opened))
    with database(app).session() as db:
        now = clock.utcnow()
        assert follow_up.seconds_left(db, cookie, now) == follow_up.seconds_left(db, cookie, now)
        assert 15 * 60 - 5 <= follow_up.seconds_left(db, cookie, now) <= 15 * 60
        assert follow_up.seconds_left(db, cookie, now + dt.timedelta(minutes=16)) == 0
        assert follow_up.seconds_left(db, None) == 0
        wrong_key = follow_up.ReceiptCookie(cookie.token, b"k" * 32)  # type: ignore[union-attr]
        assert follow_up.seconds_left(db, wrong_key) == 0


# --- People and attackers do odd things ------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cookie=st.one_of(
        st.none(),
        st.text(max_size=120),
        st.from_regex(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{0,50}", fullmatch=True),
    ),
    form=st.dictionaries(
        st.sampled_from(["csrf_token", "message", "stay", ""]), st.text(max_size=60), max_size=3
    ),
    use_token=st.booleans(),
)
def test_no_keep_alive_however_odd_answers_500(
    client: FlaskClient, cookie: str | None, form: dict[str, str], use_token: bool
) -> None:
    client.delete_cookie(COOKIE)
    token = csrf_token(client.get("/replies").get_data(as_text=True))
    if cookie is not None and cookie.isprintable() and ";" not in cookie:
        client.set_cookie(COOKIE, cookie)
    data = {**form, "csrf_token": token} if use_token else form
    response = client.post(KEEP_ALIVE, data=data)
    assert response.status_code in (400, 404), response.status_code


def test_the_idle_time_and_the_warning_may_be_set_within_bounds(tmp_path: Any) -> None:
    for minutes, warning in ((5, 299), (60, 60), (60, 3599)):
        app = create_app(
            {
                **base_config(tmp_path),
                "RECEIPT_IDLE_MINUTES": minutes,
                "RECEIPT_WARNING_SECONDS": warning,
            }
        )
        assert app.config["RECEIPT_IDLE_MINUTES"] == minutes


@pytest.mark.parametrize(
    ("minutes", "warning"),
    [
        (4, 120),  # too short to read and write a reply
        (61, 300),  # a shared device keeps it too long
        (20.5, 300),
        ("20", 300),
        (True, 300),
        (None, 300),
        (20, 59),  # too little time to act on the warning
        (20, 1200),  # a warning as long as the session: shown straight away
        (5, 300),
        (20, 300.0),
        (20, None),
    ],
)
def test_the_idle_time_and_the_warning_must_be_sensible(
    tmp_path: Any, minutes: object, warning: object
) -> None:
    with pytest.raises(ConfigError, match="RECEIPT_"):
        create_app(
            {
                **base_config(tmp_path),
                "RECEIPT_IDLE_MINUTES": minutes,
                "RECEIPT_WARNING_SECONDS": warning,
            }
        )


# --- Reading slowly, staying, going away: a state machine ------------------------------------

IDLE = follow_up.IDLE_MINUTES


class StayingSignedIn(RuleBasedStateMachine):
    """One browser on the report page: the page, "Stay signed in" (with and without its token,
    twice over), time passing, sign out, a lost cookie. The model: is there a session, and how
    long since its last request."""

    def __init__(self, app: Flask, receipt: str) -> None:
        super().__init__()
        self.app, self.receipt = app, receipt
        app.test_client_class = HttpsClient
        self.client = app.test_client()
        self.offset = dt.timedelta()  # how far the receipt sessions' clock has moved
        self.idle = dt.timedelta()
        self.alive = False
        self.token = ""

    def _clock(self) -> Any:
        return mock.patch.object(follow_up, "utcnow", lambda: clock.utcnow() + self.offset)

    @initialize()
    def sign_in(self) -> None:
        with self._clock():
            try_receipt(self.client, self.receipt)
            page = self.client.get("/replies/report")
        assert page.status_code == 200
        self.token, self.alive = csrf_token(page.get_data(as_text=True)), True

    def _expect_ended(self, response: Any) -> None:
        ran_out = self.alive and self.idle >= dt.timedelta(minutes=IDLE)
        assert response.status_code == (410 if ran_out else 404), response.status_code
        assert SIGNED_OUT in response.get_data(as_text=True)
        self.alive = False

    def _live(self) -> bool:
        return self.alive and self.idle < dt.timedelta(minutes=IDLE)

    @rule()
    def read_the_page(self) -> None:
        with self._clock():
            response = self.client.get("/replies/report")
        if not self._live():
            self._expect_ended(response)
            return
        assert response.status_code == 200
        self.idle = dt.timedelta()
        html = response.get_data(as_text=True)
        left = int(dialog_of(html).attributes["data-seconds-left"] or 0)
        assert IDLE * 60 - 5 <= left <= IDLE * 60

    @rule()
    def stay_signed_in(self) -> None:
        with self._clock():
            response = self.client.post(KEEP_ALIVE, data={"csrf_token": self.token})
        if not self._live():
            self._expect_ended(response)
            return
        assert response.status_code == 204 and response.get_data() == b""
        self.idle = dt.timedelta()

    @rule(token=st.sampled_from(["", "forged", "x" * 200]))
    def stay_without_a_good_token(self, token: str) -> None:
        with self._clock():
            response = self.client.post(KEEP_ALIVE, data={"csrf_token": token} if token else {})
        assert response.status_code == 400  # refused before the session is looked at

    @rule(minutes=st.sampled_from([1, 5, IDLE - 1, IDLE, IDLE + 1]))
    def time_passes(self, minutes: int) -> None:
        self.offset += dt.timedelta(minutes=minutes)
        self.idle += dt.timedelta(minutes=minutes)

    @rule()
    def sign_out(self) -> None:
        with self._clock():
            response = self.client.post("/replies/sign-out", data={"csrf_token": self.token})
        assert response.status_code == 303
        self.alive = False

    @rule()
    def lose_the_cookie(self) -> None:
        self.client.delete_cookie(COOKIE)
        self.alive = False

    @invariant()
    def the_time_left_is_the_models(self) -> None:
        stored = self.client.get_cookie(COOKIE)
        if stored is None:
            assert not self.alive
            return
        with self._clock(), database(self.app).session() as db:
            left = follow_up.seconds_left(db, follow_up.ReceiptCookie.parse(stored.value))
        expected = max(0, IDLE * 60 - int(self.idle.total_seconds())) if self.alive else 0
        assert expected - 5 <= left <= expected, (left, expected)


def test_staying_signed_in_survives_what_people_do(app: Flask, team: Any) -> None:
    _reference, receipt = send(app)
    run_state_machine_as_test(
        lambda: StayingSignedIn(app, receipt),
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
