"""Web hardening promises (ARCHITECTURE.md §7), each as an attacker or a browser observes it."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
import re
import secrets
import threading
import time

import pytest
import redis
from flask import Response
from limits.storage import MemoryStorage
from sqlalchemy import func, select

from reporting import create_app, drafts
from reporting.config import ConfigError
from reporting.db import database
from reporting.models import Report
from reporting.security import SweptMemoryStorage, client_network_key, set_security_headers

from .helpers import (
    EXPECTED_CSP,
    HttpsClient,
    Reporter,
    base_config,
    csrf_token,
    full_answers,
)


@pytest.mark.parametrize("path", ["/", "/report/danger", "/no-such-page", "/privacy"])
def test_every_page_sends_each_security_header(client, path) -> None:
    headers = client.get(path).headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert "microphone=()" in headers["Permissions-Policy"]
    assert headers["Cache-Control"] == "no-store"


def test_static_assets_have_headers_but_may_be_cached(client) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_no_inline_script_or_style_in_any_journey_page(reporter, team) -> None:
    reporter.start()
    pages = []
    for slug, data in full_answers().items():
        pages.append(reporter.get(f"/report/{slug}").get_data(as_text=True))
        reporter.answer(slug, data)
    pages.append(reporter.get("/report/check").get_data(as_text=True))
    pages.append(reporter.send().get_data(as_text=True))
    pages.append(reporter.get("/").get_data(as_text=True))
    for html in pages:
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
        assert "<style" not in html
        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_cookies_are_host_prefixed_secure_httponly_strict(reporter) -> None:
    cookies = reporter.client.get("/").headers.getlist("Set-Cookie")
    cookies += reporter.start().headers.getlist("Set-Cookie")
    draft = next(c for c in cookies if c.startswith("__Host-draft="))
    session = next(c for c in cookies if c.startswith("__Host-session="))
    for cookie in (draft, session):
        assert "; Secure" in cookie
        assert "; HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "; Path=/" in cookie
        assert "Domain=" not in cookie
    # A session cookie only: gone when the browser closes.
    assert "Expires=" not in draft and "Max-Age=" not in draft


def test_post_without_csrf_token_is_refused(client) -> None:
    response = client.post("/start", data={})
    assert response.status_code == 400
    assert "timed out" in response.get_data(as_text=True)


def test_post_with_forged_csrf_token_is_refused(reporter) -> None:
    reporter.start()
    response = reporter.client.post("/report/danger", data={"danger": "no", "csrf_token": "x"})
    assert response.status_code == 400


def test_oversized_body_gets_a_413_page(reporter) -> None:
    reporter.start()
    page = reporter.get("/report/danger").get_data(as_text=True)
    response = reporter.client.post(
        "/report/danger", data={"csrf_token": csrf_token(page), "danger": "x" * 200_000}
    )
    assert response.status_code == 413
    assert "too long" in response.get_data(as_text=True)


def test_too_many_posts_get_a_429_page_that_says_how_long_to_wait(make_app) -> None:
    app = make_app(RATELIMIT_POST="3 per minute")
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    # One budget for every POST of this draft, whichever page.
    statuses = [reporter.answer("danger", {"danger": "no"}).status_code for _ in range(3)]
    statuses.append(reporter.answer("reporting-as", {"reporter_type": "victim"}).status_code)
    assert statuses == [303, 303, 303, 429]
    refused = reporter.answer("danger", {"danger": "no"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Too many attempts" in text
    # What to do instead of going back: wait this long; nothing saved is lost.
    assert "back" not in text.lower()
    assert "Wait 1 minute, then continue your report" in text
    assert "answers you have already continued from are kept" in text
    assert 'href="/report/check">Continue your report' in text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Only POSTs are limited: the pages can still be read, as often as wanted.
    for _ in range(5):
        assert reporter.client.get("/").status_code == 200


def test_the_wait_on_the_429_page_is_the_limit_reached(make_app) -> None:
    app = make_app(RATELIMIT_POST="1 per hour")
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    assert reporter.answer("danger", {"danger": "no"}).status_code == 303
    refused = reporter.answer("danger", {"danger": "no"})
    assert refused.status_code == 429
    assert re.search(r"Wait (59|60) minutes, then", refused.get_data(as_text=True))
    assert 3540 <= int(refused.headers["Retry-After"]) <= 3600


def _person(app, address: str) -> Reporter:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Reporter(client)


def test_one_person_on_a_shared_network_does_not_lock_out_another(make_app) -> None:
    """Two people in one library (one /24): each draft has its own budget."""
    app = make_app(RATELIMIT_POST="3 per hour", RATELIMIT_POST_NETWORK="50 per hour")
    app.test_client_class = HttpsClient
    first, second = _person(app, "203.0.113.5"), _person(app, "203.0.113.9")
    assert first.start().status_code == 302
    assert second.start().status_code == 302
    statuses = [first.answer("danger", {"danger": "no"}).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    # The other person, same network, carries on; the first is still held back.
    for _ in range(3):
        assert second.answer("danger", {"danger": "no"}).status_code == 303
    assert second.answer("danger", {"danger": "no"}).status_code == 429
    assert first.answer("danger", {"danger": "no"}).status_code == 429


def test_the_network_cap_still_stops_a_flood_of_fresh_drafts(make_app) -> None:
    app = make_app(RATELIMIT_POST="100 per hour", RATELIMIT_POST_NETWORK="5 per hour")
    app.test_client_class = HttpsClient
    flooder, neighbour = _person(app, "203.0.113.5"), _person(app, "203.0.113.9")
    statuses = []
    for _ in range(6):
        # A new draft id every time: the per-draft budget alone would never run out.
        fresh = drafts.DraftCookie(secrets.token_hex(16), b"k" * 32).value()
        flooder.client.set_cookie("__Host-draft", fresh)
        statuses.append(flooder.client.post("/report/danger", data={"danger": "no"}).status_code)
    # Refused (no such draft), but counted all the same.
    assert statuses == [410] * 5 + [429]
    assert neighbour.start().status_code == 429  # the whole /24 is capped
    assert _person(app, "198.51.100.7").start().status_code == 302  # another network is not


def test_the_final_submit_has_its_own_stricter_limits(make_app) -> None:
    app = make_app(RATELIMIT_SUBMIT="1 per hour", RATELIMIT_SUBMIT_NETWORK="2 per hour")
    app.test_client_class = HttpsClient
    people = [_person(app, f"203.0.113.{n}") for n in (5, 9, 11)]
    sends = []
    for person in people:
        person.start()
        person.answer_all(full_answers())
        page = person.get("/report/check").get_data(as_text=True)
        for _ in range(2):
            sends.append(person.client.post("/report/check", data={"csrf_token": csrf_token(page)}))
    # No team key in this test: a send gets a 503, and the attempt still counts. Each draft
    # gets one attempt; the network two in all.
    assert [r.status_code for r in sends] == [503, 429, 503, 429, 429, 429]


def test_rate_limit_storage_never_holds_the_address(make_app) -> None:
    app = make_app(RATELIMIT_POST="100 per minute")
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    reporter.answer("danger", {"danger": "no"})
    storage = app.extensions["reporting.limiter"].storage
    keys = " ".join(str(k) for k in storage.storage)
    assert keys, "the limiter stored nothing"
    assert "203.0.113" not in keys
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.77"}):
        key = client_network_key()
    assert key in keys
    # Neighbours in the same /24 share a budget; another network does not.
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        assert client_network_key() == key
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        assert client_network_key() != key


def test_no_ip_address_or_user_agent_in_logs(app, reporter, team, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    reporter.client.environ_base["HTTP_USER_AGENT"] = "UniqueAgent/9.9"
    reporter.start()
    reporter.answer_all(full_answers())
    reporter.send()
    reporter.client.get("/no-such-page?secret=query")
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "203.0.113" not in text
    assert "UniqueAgent" not in text
    assert "secret=query" not in text


def test_dev_http_mode_serves_loopback_only(make_app) -> None:
    app = make_app(DEV_HTTP=True)
    client = app.test_client()
    assert client.get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    far = client.get(
        "/", base_url="http://reporting.example.org", environ_base={"REMOTE_ADDR": "203.0.113.1"}
    )
    assert far.status_code == 400
    spoofed_host = client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.1"})
    assert spoofed_host.status_code == 400


def test_config_refuses_to_start_without_secrets(tmp_path) -> None:
    config = base_config(tmp_path)
    for missing in ("SECRET_KEY", "RECEIPT_PEPPER"):
        broken = {k: v for k, v in config.items() if k != missing}
        with pytest.raises(ConfigError, match=missing):
            create_app(broken)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({**config, "SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="RECEIPT_PEPPER"):
        create_app({**config, "RECEIPT_PEPPER": "not hex at all, but long enough to pass"})


def test_a_deployment_refuses_argon2_costs_below_the_floor(tmp_path) -> None:
    shipped = {"RECEIPT_KDF": [4096, 4, 1], "PASSWORD_KDF": [65536, 3, 4]}
    production = {**base_config(tmp_path), "TESTING": False, **shipped}
    for key in ("RECEIPT_KDF", "PASSWORD_KDF"):
        for weak in ([8, 1, 1], [4096, 1, 1], [1024, 4, 1]):
            with pytest.raises(ConfigError, match=f"{key} is below the floor"):
                create_app({**production, key: weak})
    # The shipped costs pass; a test suite or benchmark may go lower only by saying so.
    assert create_app(production)
    assert create_app({**production, "RECEIPT_KDF": [8, 1, 1], "ALLOW_TEST_KDF": True})


def test_config_from_environment_and_instance_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REPORTING_INSTANCE_PATH", str(tmp_path))
    for name in ("REPORTING_SECRET_KEY", "REPORTING_RECEIPT_PEPPER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError):
        create_app()
    (tmp_path / "config.py").write_text(f'SECRET_KEY = "{"k" * 40}"\n')
    monkeypatch.setenv("REPORTING_RECEIPT_PEPPER", "ab" * 32)
    monkeypatch.setenv("REPORTING_EXIT_URL", "https://example.org/neutral")
    app = create_app()
    assert app.config["SECRET_KEY"] == "k" * 40
    assert app.config["EXIT_URL"] == "https://example.org/neutral"
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/reporting.sqlite3"


def test_rate_limits_on_redis_hold_no_address(make_app) -> None:
    """Many workers share counters in Redis: the keys there are HMACs, never addresses."""
    url = os.environ.get("REPORTING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    store = redis.Redis.from_url(url)
    try:
        store.flushdb()
    except redis.ConnectionError:
        pytest.fail(
            f"This test needs Redis at {url} (start redis-server, or set REPORTING_TEST_REDIS_URL)"
        )
    app = make_app(RATELIMIT_POST="3 per minute", RATELIMIT_STORAGE_URI=url)
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    statuses = [reporter.answer("danger", {"danger": "no"}).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    keys = b" ".join(store.keys("*"))
    assert keys, "nothing was counted in Redis"
    assert b"203.0.113" not in keys
    store.flushdb()


def test_the_final_submit_refuses_a_missing_or_forged_token_and_a_filled_honeypot(
    app, reporter, team
) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    token = csrf_token(reporter.get("/report/check").get_data(as_text=True))
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": token, "website": "http://x"}):
        assert reporter.client.post("/report/check", data=data).status_code == 400, data
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(Report)) == 0
    # The real send answers 303 (post/redirect/get, to the receipt page).
    assert reporter.client.post("/report/check", data={"csrf_token": token}).status_code == 303


def test_in_memory_rate_limits_start_no_thread_per_request(make_app, monkeypatch) -> None:
    """memory:// counts in the request: the stock storage started a timer thread whenever the
    last one had finished, so a busy worker started one every request or two."""
    app = make_app(RATELIMIT_POST="3 per minute")
    assert isinstance(app.extensions["reporting.limiter"].storage, SweptMemoryStorage)
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.get("/")
    started: list[threading.Thread] = []
    real_start = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        started.append(thread)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    statuses = []
    for _ in range(4):
        time.sleep(0.02)  # longer than the stock storage's 10 ms timer
        statuses.append(reporter.client.post("/start", data={"csrf_token": "x"}).status_code)
    assert statuses == [400, 400, 400, 429]  # still counted, refused or not
    assert started == []


def test_in_memory_rate_limits_still_sweep_expired_counters() -> None:
    storage = SweptMemoryStorage()
    storage.incr("old", 0.01)
    time.sleep(0.02)
    storage.next_sweep = 0.0  # the sweep is due (it runs at most once a second)
    storage.incr("new", 60)
    assert "old" not in storage.storage and "old" not in storage.expirations
    assert storage.get("new") == 1
    assert storage.next_sweep > time.monotonic()


def test_the_swept_storage_overrides_a_method_limits_still_has() -> None:
    """SweptMemoryStorage replaces MemoryStorage's private (name-mangled) sweep scheduler and
    calls its sweep. Were limits to rename either, the override would be dead code and the
    timer threads would be back: this fails first, on limits' own class."""
    own = vars(MemoryStorage)
    for name in ("_MemoryStorage__schedule_expiry", "_MemoryStorage__expire_events"):
        assert callable(own.get(name)), f"limits' MemoryStorage has no {name}"
    assert "_MemoryStorage__schedule_expiry" in vars(SweptMemoryStorage)


def test_headers_a_response_sets_itself_are_kept_but_never_its_caching(app) -> None:
    with app.test_request_context("/privacy"):
        response = Response(
            "x", headers={"X-Frame-Options": "SAMEORIGIN", "Cache-Control": "max-age=60"}
        )
        response = set_security_headers(response)
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Cache-Control") == ["no-store"]
    assert response.headers.getlist("Pragma") == ["no-cache"]
    assert response.headers.getlist("Content-Security-Policy") == [EXPECTED_CSP]


def test_the_network_key_is_worked_out_once_a_request(app, monkeypatch) -> None:
    calls = []
    real_new = hmac.new
    monkeypatch.setattr(hmac, "new", lambda *a, **k: calls.append(a) or real_new(*a, **k))
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.77"}):
        first = client_network_key()
        assert client_network_key() == first
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        assert client_network_key() != first
    assert len(calls) == 3  # the key of the day once, then one HMAC a request


def test_an_unexpected_error_logs_the_route_not_a_token_in_the_path(app, caplog) -> None:
    def broken(token: str) -> str:
        raise RuntimeError(f"boom {token}")

    app.view_functions["invitation.accept"] = broken
    app.test_client_class = HttpsClient
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/staff/invitation/SeCrEtInViTe?q=SeCrEtQuErY")
    assert response.status_code == 500
    assert "unhandled RuntimeError on GET /staff/invitation/<token>" in caplog.text
    assert "SeCrEt" not in caplog.text


def test_rate_limit_keys_change_every_day_so_days_cannot_be_linked(make_app, monkeypatch) -> None:
    """With the instance secret a key can be traced to its /24 (there are only 2**24 of
    them): keys of the day keep that to one day, and two days' keys never match."""
    from reporting import security

    app = make_app()
    seen = {}
    for day in (dt.date(2026, 12, 1), dt.date(2026, 12, 1), dt.date(2026, 12, 2)):
        monkeypatch.setattr(security, "utc_day", lambda day=day: day)
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.77"}):
            seen.setdefault(day, set()).add(security.client_network_key())
    assert len(seen[dt.date(2026, 12, 1)]) == 1
    assert seen[dt.date(2026, 12, 1)].isdisjoint(seen[dt.date(2026, 12, 2)])
