"""The receipt session's timeout warning in a real browser: it opens before the end, takes the
focus and gives it back, "Stay signed in" keeps the session and what was typed, "Sign out"
signs out; axe-core finds nothing with it open. Without JavaScript the page says it in words."""

from __future__ import annotations

import re
from typing import Any

import pytest

from reporting import follow_up
from reporting.db import database
from tests.browser.test_browser_replies import Audit, click, send_report, sessions

TYPED = "I was reading slowly and writing this."


def seconds_left(live_server: Any, page: Any) -> int:
    """The session's seconds left, opened with the key in the browser's cookie (as only it can)."""
    name = live_server.app.config["RECEIPT_COOKIE_NAME"]
    (value,) = [c["value"] for c in page.context.cookies() if c["name"] == name]
    with database(live_server.app).session() as db:
        return follow_up.seconds_left(db, follow_up.ReceiptCookie.parse(value))


def signed_in(live_server: Any, page: Any) -> None:
    # The shortest idle time allowed, the warning 294 seconds before it: here, 6 seconds in.
    live_server.app.config["RECEIPT_IDLE_MINUTES"] = 5
    live_server.app.config["RECEIPT_WARNING_SECONDS"] = 294
    _reference, receipt = send_report(live_server.app)
    page.goto("/replies")
    page.get_by_label("Your receipt").fill(receipt)
    click(page, "Continue")
    assert page.url == f"{live_server.url}/replies/report"


def focused_text(page: Any) -> str:
    """The text of the focused element, if it is in the dialog (else "")."""
    script = (
        "() => document.activeElement.closest('dialog') ? document.activeElement.innerText : ''"
    )
    return str(page.evaluate(script)).strip()


def focus_in_dialog(page: Any) -> bool:
    return bool(page.evaluate("() => document.activeElement.closest('dialog') !== null"))


@pytest.mark.browser
def test_the_warning_opens_and_stay_signed_in_keeps_the_session(
    new_page: Any, live_server: Any
) -> None:
    page = new_page()
    signed_in(live_server, page)
    report_url = page.url
    dialog = page.locator('dialog[data-module="app-timeout-warning"]')
    assert not dialog.is_visible()
    reply = page.get_by_label("Send a message to the team")
    reply.fill(TYPED)  # the focus is in the reply box when the warning opens

    dialog.wait_for(state="visible", timeout=20_000)
    assert dialog.get_by_role("heading", name="You will be signed out soon").is_visible()
    assert re.search(
        r"We will sign you out of your report in [34] minutes if you do nothing",
        dialog.inner_text(),
    ), dialog.inner_text()
    assert focused_text(page) == "Stay signed in"
    # Modal: the page behind it is inert, so the keyboard moves between the dialog's buttons.
    page.keyboard.press("Tab")
    assert focused_text(page) == "Sign out"
    page.keyboard.press("Shift+Tab")
    assert focused_text(page) == "Stay signed in"
    assert seconds_left(live_server, page) <= 294  # the session has not moved on by itself
    audit = Audit(page, live_server.url)
    audit("your report: the timeout warning open")
    audit.assert_none()

    with page.expect_response(re.compile(r"/replies/keep-alive$")) as answer:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert answer.value.status == 204
    dialog.wait_for(state="hidden")
    assert page.url == report_url  # still on the page, nothing reloaded
    assert not focus_in_dialog(page)
    assert page.evaluate("() => document.activeElement.id") == "message"  # back where it was
    assert reply.input_value() == TYPED
    assert 296 <= seconds_left(live_server, page) <= 300  # the whole idle time again
    assert sessions(live_server.app) == 1

    # The reply, sent after all that, arrives.
    response = click(page, "Send message")
    assert response.ok and "Your message has been sent" in page.locator("main").inner_text()


@pytest.mark.browser
def test_escape_stays_and_sign_out_in_the_warning_signs_out(
    new_page: Any, live_server: Any
) -> None:
    page = new_page()
    signed_in(live_server, page)
    dialog = page.locator('dialog[data-module="app-timeout-warning"]')
    dialog.wait_for(state="visible", timeout=20_000)
    # Escape is "not now": the same as staying.
    with page.expect_response(re.compile(r"/replies/keep-alive$")) as answer:
        page.keyboard.press("Escape")
    assert answer.value.status == 204
    dialog.wait_for(state="hidden")

    page.reload()  # a fresh page: the warning opens again after the same wait
    dialog.wait_for(state="visible", timeout=20_000)
    with page.expect_navigation():
        dialog.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", name="You have signed out of your report").is_visible()
    assert sessions(live_server.app) == 0


@pytest.mark.browser
def test_when_the_time_runs_out_the_page_says_they_were_signed_out(
    new_page: Any, live_server: Any
) -> None:
    page = new_page()
    signed_in(live_server, page)
    # Too short for a deployment (the settings refuse it), set while running: 12 seconds.
    live_server.app.config["RECEIPT_IDLE_MINUTES"] = 0.2
    page.reload()
    dialog = page.locator('dialog[data-module="app-timeout-warning"]')
    dialog.wait_for(state="visible")  # at once: less time is left than the warning's
    assert "less than a minute" in dialog.inner_text()
    page.get_by_role("heading", name="You have been signed out of your report").wait_for(
        timeout=30_000
    )
    assert sessions(live_server.app) == 0


@pytest.mark.browser
def test_without_javascript_the_page_says_how_long_and_what_happens(
    new_page: Any, live_server: Any
) -> None:
    page = new_page(java_script_enabled=False)
    signed_in(live_server, page)
    main = page.locator("main")
    assert "You will be signed out if you do nothing for 5 minutes." in main.inner_text()
    assert "we will show it to you again so that you can copy it" in main.inner_text()
    dialog = page.locator('dialog[data-module="app-timeout-warning"]')
    assert dialog.count() == 1 and not dialog.is_visible()
    assert not main.get_by_role("button", name="Stay signed in").is_visible()
