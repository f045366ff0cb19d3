"""Browser fixtures: Debian's Chromium driven by Playwright against the app on 127.0.0.1.

One Playwright and one browser for the whole session, a fresh browser context (cookies, cache,
JavaScript setting) for every test, and the app served over plain http on a loopback port
(DEV_HTTP) from a background thread, on the same per-test database as the other tests.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from reporting import keys
from reporting.db import database
from reporting.journey.pages import PAGES
from reporting.models import Draft, Report
from tests import helpers

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 375, "height": 812}
# How long a person-visible step may take before the test fails (milliseconds).
STEP_TIMEOUT_MS = 10_000

REFERENCE = r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}"
RECEIPT = r"\d{4} \d{4} \d{4} \d{4}"

# --- The answers the journey uses ----------------------------------------------------------


@pytest.fixture
def full_answers() -> Callable[[str], dict[str, dict[str, Any]]]:
    """tests/helpers.py's full_answers(marker): one answer for every question page."""
    return helpers.full_answers


def journey_slugs(answers: Mapping[str, Any]) -> list[str]:
    """The question pages a person meets with these answers, in order."""
    return [page.slug for page in PAGES if page.applies(answers)]


# --- The app, served on 127.0.0.1 ----------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler logs each request with the client's address: we never log those."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class LiveServer:
    app: Flask
    url: str

    @property
    def exit_url(self) -> str:
        return str(self.app.config["EXIT_URL"])

    def drafts(self) -> int:
        """How many unsent drafts the database holds."""
        with database(self.app).session() as db:
            unsent = select(func.count()).select_from(Draft).where(Draft.sent.is_(False))
            return int(db.scalar(unsent) or 0)

    def report_exists(self, reference: str) -> bool:
        """Whether a sent report has this reference (as the confirmation page showed it)."""
        with database(self.app).session() as db:
            found = db.scalar(select(Report.id).where(Report.reference == reference))
            return found is not None

    def expire_drafts(self) -> None:
        """Make every draft's idle time run out, as if the person left it for over an hour and
        the purge had run (the expiry itself is under the key in the browser's cookie)."""
        with database(self.app).engine.begin() as connection:
            connection.execute(delete(Draft))


@pytest.fixture
def live_server(make_app: Callable[..., Flask]) -> Iterator[LiveServer]:
    """The app over plain http on a free loopback port, with a review team to send to."""
    app = make_app(DEV_HTTP=True)
    with database(app).session() as db:
        keys.create_team(db, slug="review", name="Review team", today=dt.date.today())
        db.commit()
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
    )
    url = f"http://127.0.0.1:{server.server_port}"
    # The network is closed in tests: "Exit this page" leaves for the app's own privacy page.
    app.config["EXIT_URL"] = f"{url}/privacy"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- The browser -------------------------------------------------------------------------


class _SessionBrowser:
    """One Playwright and one headless Chromium for the whole run, started on first use.

    Started from inside the first test that opens a page, so that a missing Chromium makes
    each browser test FAIL with the reason (not skip, and not only error in setup).
    """

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None

    def get(self) -> Any:
        if not CHROMIUM.exists():
            pytest.fail(
                f"The browser tests need Chromium at {CHROMIUM}: install Debian's "
                "chromium (sudo apt-get install chromium, or `make chromium`).",
                pytrace=False,
            )
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[_SessionBrowser]:
    session_browser = _SessionBrowser()
    yield session_browser
    session_browser.close()


@pytest.fixture
def new_page(browser: _SessionBrowser, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (own cookies); contexts close at teardown."""
    contexts: list[Any] = []

    def open_page(**context_options: Any) -> Any:
        options = {
            "base_url": live_server.url,
            "viewport": PHONE,
            "locale": "en-GB",
            "service_workers": "block",
        }
        options.update(context_options)
        context = browser.get().new_context(**options)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


# --- Walking the journey with mouse and form filling ---------------------------------------


class Journey:
    """Steps of the journey as a mouse user takes them, and what a person sees at the end.

    Test modules get this through the ``journey`` fixture (a test module cannot import this
    conftest reliably: its module name depends on how pytest imports the directory).
    """

    REFERENCE = REFERENCE
    RECEIPT = RECEIPT
    PHONE = PHONE

    def __init__(self, server: LiveServer) -> None:
        self.server = server

    @staticmethod
    def slugs(answers: Mapping[str, Any]) -> list[str]:
        return journey_slugs(answers)

    @staticmethod
    def fill(page: Any, data: Mapping[str, Any]) -> None:
        """Answer the current question page (clicks and typing, no keyboard navigation)."""
        form = page.locator("main form")
        for name, value in data.items():
            if value in ("", None, []):
                continue
            inputs = form.locator(f'[name="{name}"]')
            kind = inputs.first.get_attribute("type") or "textarea"
            if kind == "radio":
                form.locator(f'input[name="{name}"][value="{value}"]').check()
            elif kind == "checkbox":
                for choice in value:
                    form.locator(f'input[name="{name}"][value="{choice}"]').check()
            elif isinstance(value, list):  # a date: day, month and year share one name
                for index, part in enumerate(value):
                    inputs.nth(index).fill(part)
            else:
                inputs.fill(value)

    @staticmethod
    def click_button(page: Any, name: str) -> Any:
        """Select a button in the page's main content; returns the response to it."""
        with page.expect_navigation() as navigation:
            page.locator("main").get_by_role("button", name=name).click()
        return navigation.value

    def start(self, page: Any) -> None:
        page.goto("/")
        response = self.click_button(page, "Start now")
        assert response.ok, response.status
        assert page.url == f"{self.server.url}/report/{PAGES[0].slug}"

    def answer(self, page: Any, slug: str, data: Mapping[str, Any]) -> Any:
        """Answer one question page and continue; returns the response."""
        assert page.url.split("?")[0] == f"{self.server.url}/report/{slug}", (slug, page.url)
        self.fill(page, data)
        return self.click_button(page, "Continue")

    def send(self, page: Any) -> tuple[str, str]:
        """Send from the check page; returns the reference and receipt the person sees."""
        response = self.click_button(page, "Send report")
        assert response.ok, response.status
        return self.confirmation(page)

    @staticmethod
    def confirmation(page: Any) -> tuple[str, str]:
        """The reference and receipt shown on the confirmation page."""
        panel = page.locator(".govuk-panel")
        assert panel.get_by_role("heading", name="Report sent").is_visible()
        reference = re.search(REFERENCE, panel.inner_text())
        assert reference, panel.inner_text()
        receipt_text = page.locator("#receipt").inner_text()
        receipt = re.search(RECEIPT, receipt_text)
        assert receipt, f"no 16-digit receipt in four groups: {receipt_text!r}"
        groups = page.locator("#receipt .app-receipt__group").all_inner_texts()
        assert len(groups) == 4 and all(len(g) == 4 and g.isdecimal() for g in groups), groups
        return reference.group(0), receipt.group(0)


@pytest.fixture
def journey(live_server: LiveServer) -> Journey:
    return Journey(live_server)
