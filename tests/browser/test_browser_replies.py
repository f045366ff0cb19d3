"""Check for replies in a real browser, JavaScript on and off: the receipt, the messages, a
reply, signing out and the session's end; axe-core finds nothing on any of its pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from sqlalchemy import select

from reporting import config, drafts, follow_up, messages, reports
from reporting.db import database
from reporting.models import ReceiptSession, Report
from tests import helpers


def send_report(app: Flask) -> tuple[str, str]:
    """A report sent through reports.send_report, as the journey sends one; its reference
    and receipt (in four groups)."""
    # The answers as the journey stores them (a date is stored as text, not its 3 parts).
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


def team_message(app: Flask, reference: str, receipt: str, text: str) -> None:
    """An officer's message. The officer's data key comes from a team key; this test's comes
    the reporter's way (the receipt opens the same key), the session ended straight after."""
    with database(app).session() as db:
        cookie = follow_up.open_with_receipt(
            db,
            receipt,
            pepper=config.receipt_pepper(app.config),
            receipt_kdf=app.config["RECEIPT_KDF"],
        )
        data_key = follow_up.load(db, cookie).data_key
        follow_up.end(db, cookie)
        report = db.scalar(select(Report).where(Report.reference == reference))
        assert report is not None and data_key is not None
        messages.post(db, report, data_key, text, author="team", today=dt.date.today())
        db.commit()


def sessions(app: Flask) -> int:
    with database(app).session() as db:
        return len(db.scalars(select(ReceiptSession.id)).all())


class Audit:
    """axe-core on each page shown; every violation kept, labelled by page.

    axe runs as a script in the page, which a page without JavaScript cannot do: there, what
    the browser shows (its DOM, never touched by a script) is copied, scripts removed, into a
    second page that can run axe, and audited there with the same stylesheets.
    """

    def __init__(self, page: Any, base_url: str, runner: Any = None) -> None:
        self.page = page
        self.base_url = base_url
        self.runner = runner  # the page axe runs in when ``page`` has no JavaScript
        self.axe = Axe()
        self.audited: list[str] = []
        self.violations: list[str] = []

    def _target(self) -> Any:
        if self.runner is None:
            self.page.locator(".govuk-exit-this-page[data-govuk-exit-this-page-init]").wait_for()
            return self.page
        shown = self.page.content()
        assert "js-enabled" not in (self.page.locator("body").get_attribute("class") or "")
        copy = re.sub(r"<script\b[^>]*>.*?</script>", "", shown, flags=re.S | re.I)
        copy = copy.replace("<head>", f'<head><base href="{self.base_url}/">', 1)
        self.runner.set_content(copy, wait_until="load")
        return self.runner

    def __call__(self, label: str) -> None:
        results = self.axe.run(self._target())
        self.audited.append(label)
        for violation in results.response["violations"]:
            nodes = "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
            self.violations.append(f"{label}: {violation['id']} {violation['help']} ({nodes})")

    def assert_none(self) -> None:
        assert not self.violations, "\n".join(self.violations)


def click(page: Any, name: str) -> Any:
    with page.expect_navigation() as navigation:
        page.locator("main").get_by_role("button", name=name).click()
    return navigation.value


def the_loop(page: Any, live_server: Any, audit: Audit) -> None:
    """From the footer link to signing out, auditing each page and each error state."""
    app = live_server.app
    reference, receipt = send_report(app)
    team_message(app, reference, receipt, "Thank you for your report. Are you safe now?")

    page.goto("/")
    with page.expect_navigation():
        page.locator("footer").get_by_role("link", name="Check for replies").click()
    assert page.get_by_role("heading", name="Check for replies", level=1).is_visible()
    audit("check for replies")

    # Every POST answers with a redirect: the error pages are GETs, so Reload and Back show
    # them again and never ask to send the form again.
    response = click(page, "Continue")
    assert response.status == 400
    assert page.url == f"{live_server.url}/replies?error=empty"
    assert page.locator(".govuk-error-summary").is_visible()
    response = page.reload()
    assert response.status == 400 and response.request.method == "GET"
    assert "Enter the 16 digits of your receipt" in page.locator("main").inner_text()
    audit("check for replies: nothing typed")

    page.get_by_label("Your receipt").fill("1234 5678 9012 3456")
    response = click(page, "Continue")
    assert response.status == 400
    assert page.url == f"{live_server.url}/replies?error=not-found"
    assert "We could not find a report with that receipt" in page.locator("main").inner_text()
    assert page.get_by_label("Your receipt").input_value() == ""
    audit("check for replies: wrong receipt")
    response = page.go_back()
    assert response.status == 400 and page.url == f"{live_server.url}/replies?error=empty"
    response = page.go_forward()
    assert response.status == 400 and response.request.method == "GET"
    assert "We could not find a report with that receipt" in page.locator("main").inner_text()
    assert page.get_by_label("Your receipt").input_value() == ""

    page.get_by_label("Your receipt").fill(receipt.replace(" ", "-"))
    response = click(page, "Continue")
    assert response.ok
    assert page.url == f"{live_server.url}/replies/report"
    main = page.locator("main").inner_text()
    assert reference in main and "Received" in main
    assert "Thank you for your report. Are you safe now?" in main
    assert "browser" not in main  # never the answers (every free-text one carries it)
    audit("your report")

    report_url = f"{live_server.url}/replies/report"
    response = click(page, "Send message")
    assert response.status == 400
    assert page.url == report_url
    assert page.locator(".govuk-error-summary").is_visible()
    response = page.reload()
    assert response.status == 400 and response.request.method == "GET"
    assert "Enter your message" in page.locator(".govuk-error-summary").inner_text()
    audit("your report: empty message")

    too_long = "Too long. " * 301
    page.get_by_label("Send a message to the team").fill(too_long)
    response = click(page, "Send message")
    assert response.status == 400 and page.url == report_url
    assert "3,000 characters or fewer" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Send a message to the team").input_value() == too_long
    response = page.reload()  # what was typed survives a refresh, and Back
    assert response.status == 400
    assert page.get_by_label("Send a message to the team").input_value() == too_long
    response = page.go_back()
    assert response.status == 400 and page.url == report_url
    assert page.get_by_label("Send a message to the team").input_value() == too_long
    audit("your report: message too long")

    page.get_by_label("Send a message to the team").fill("Yes, thank you.\nIt stopped.")
    response = click(page, "Send message")
    assert response.ok
    main = page.locator("main").inner_text()
    assert "Your message has been sent" in main and "It stopped." in main
    audit("your report: message sent")

    assert sessions(app) == 1
    response = click(page, "Sign out")
    assert response.ok
    assert sessions(app) == 0
    assert page.get_by_role("heading", name="You have signed out of your report").is_visible()
    audit("signed out")

    response = page.goto("/replies/report")
    assert response.status == 404
    assert page.get_by_role("link", name="Check for replies").first.is_visible()
    audit("session ended")


@pytest.mark.browser
def test_replies_with_javascript_on(new_page: Any, live_server: Any) -> None:
    page = new_page()
    audit = Audit(page, live_server.url)
    the_loop(page, live_server, audit)
    assert len(audit.audited) == 9
    audit.assert_none()


@pytest.mark.browser
def test_replies_with_javascript_off(new_page: Any, live_server: Any) -> None:
    page = new_page(java_script_enabled=False)
    page.goto("/")
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")
    runner = new_page()
    runner.route("**/*.js", lambda route: route.abort())
    audit = Audit(page, live_server.url, runner)
    the_loop(page, live_server, audit)
    assert len(audit.audited) == 9
    audit.assert_none()


@pytest.mark.browser
def test_exit_this_page_ends_the_session_in_the_browser(new_page: Any, live_server: Any) -> None:
    app = live_server.app
    _reference, receipt = send_report(app)
    page = new_page()
    page.goto("/replies")
    page.get_by_label("Your receipt").fill(receipt)
    click(page, "Continue")
    assert page.url == f"{live_server.url}/replies/report"
    assert sessions(app) == 1
    page.locator(".govuk-exit-this-page__button").wait_for()
    with page.expect_navigation(url=live_server.exit_url):
        page.locator(".govuk-exit-this-page__button").click()
    assert sessions(app) == 0
    assert "dev-replies" not in {cookie["name"] for cookie in page.context.cookies()}
    page.go_back()
    assert "You have been signed out" in page.locator("main").inner_text()
