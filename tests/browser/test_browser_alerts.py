"""Email alerts in a real browser, JavaScript off and on: the receipt page's section, the
alerts page, its errors, the masked address and "Stop emails", with the app's alerts on
(a real local SMTP server, aiosmtpd). axe-core finds nothing on any of these pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask

from reporting import config, drafts, reports
from reporting.db import database
from tests import helpers
from tests.test_alerts import SmtpServer

ADDRESS = "sam.alerts@qvmail.example"


@pytest.fixture
def mailbox(live_server: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on a free local port, and the live app's alerts pointed at it."""
    server = SmtpServer()
    server.start()
    live_server.app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        SMTP_SECURITY="none",
        SMTP_FROM="m@example.net",
    )
    yield server
    server.stop()


def send_report(app: Flask) -> tuple[str, str]:
    """A report sent as the journey sends one; its reference and receipt."""
    answers = {**helpers.full_answers("browser"), "when": {"incident_date": "2026-03-12"}}
    with database(app).session() as db:
        cookie = drafts.start_draft(db, idle_minutes=60)
        drafts.save_answers(db, cookie, answers, idle_minutes=60)
        shown = reports.send_report(
            db,
            cookie,
            answers,
            pepper=config.receipt_pepper(app.config),
            receipt_kdf=app.config["RECEIPT_KDF"],
            today=dt.date.today(),
        )
        db.commit()
    return shown.reference, " ".join(shown.receipt_groups)


class Audit:
    """axe-core on each page; without JavaScript, on a copy of the page's DOM (no scripts) in
    a page that can run axe (as tests/browser/test_browser_replies.py does)."""

    def __init__(self, page: Any, base_url: str, runner: Any = None) -> None:
        self.page, self.base_url, self.runner = page, base_url, runner
        self.axe = Axe()
        self.audited: list[str] = []
        self.violations: list[str] = []

    def __call__(self, label: str) -> None:
        target = self.page
        if self.runner is not None:
            shown = self.page.content()
            copy = re.sub(r"<script\b[^>]*>.*?</script>", "", shown, flags=re.S | re.I)
            copy = copy.replace("<head>", f'<head><base href="{self.base_url}/">', 1)
            self.runner.set_content(copy, wait_until="load")
            target = self.runner
        else:
            self.page.locator(".govuk-exit-this-page[data-govuk-exit-this-page-init]").wait_for()
        results = self.axe.run(target)
        self.audited.append(label)
        for violation in results.response["violations"]:
            nodes = "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
            self.violations.append(f"{label}: {violation['id']} {violation['help']} ({nodes})")


def click(page: Any, name: str) -> Any:
    with page.expect_navigation() as navigation:
        page.locator("main").get_by_role("button", name=name).click()
    return navigation.value


def the_alerts(page: Any, live_server: Any, audit: Audit) -> str:
    """From the receipt page to an address saved, refused, replaced and stopped; the
    reference of the report."""
    reference, receipt = send_report(live_server.app)
    page.goto("/replies")
    page.get_by_label("Your receipt").fill(receipt)
    assert click(page, "Continue").ok
    main = page.locator("main")
    assert main.get_by_role("heading", name="Get an email when there is a new message").is_visible()
    audit("your report, with the alerts section")

    with page.expect_navigation():
        main.get_by_role("link", name="Get emails about new messages, or stop them").click()
    assert page.url == f"{live_server.url}/replies/alerts"
    assert "It does not say what the message says" in main.inner_text()
    audit("alerts page")

    response = click(page, "Save email address")
    assert response.status == 400
    assert "Enter your email address" in page.locator(".govuk-error-summary").inner_text()
    audit("alerts page: nothing typed")

    page.get_by_label("Email address").fill("sam at home")
    response = click(page, "Save email address")
    assert response.status == 400
    assert "in the correct format" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Email address").input_value() == "sam at home"
    audit("alerts page: wrong format")

    page.get_by_label("Email address").fill(ADDRESS)
    assert click(page, "Save email address").ok
    text = main.inner_text()
    assert "We will email you when there is a new message" in text
    assert "s\u2022\u2022\u2022@q\u2022\u2022\u2022.example" in text and ADDRESS not in text
    audit("alerts page: emails on")
    return reference


def stop(page: Any, audit: Audit) -> None:
    assert click(page, "Stop emails").ok
    assert "We will not email you any more" in page.locator("main").inner_text()
    audit("alerts page: emails stopped")


@pytest.mark.browser
def test_alerts_with_javascript_off(new_page: Any, live_server: Any, mailbox: SmtpServer) -> None:
    page = new_page(java_script_enabled=False)
    runner = new_page()
    runner.route("**/*.js", lambda route: route.abort())
    audit = Audit(page, live_server.url, runner)
    the_alerts(page, live_server, audit)
    stop(page, audit)
    assert len(audit.audited) == 6
    assert not audit.violations, "\n".join(audit.violations)


@pytest.mark.browser
def test_alerts_with_javascript_on(new_page: Any, live_server: Any, mailbox: SmtpServer) -> None:
    page = new_page()
    audit = Audit(page, live_server.url)
    the_alerts(page, live_server, audit)
    stop(page, audit)
    assert len(audit.audited) == 6
    assert not audit.violations, "\n".join(audit.violations)
    assert mailbox.received == []  # giving and stopping an address sends nothing
