"""With JavaScript on: the timeout warning keeps the answers, and the receipt page survives a
reload and Back, then says plainly that the report was sent."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.draft_clock import draft_expiry


def _expiry(live_server: Any, page: Any) -> dt.datetime:
    """The draft's idle expiry, opened with the key in the browser's cookie (as only it can)."""
    name = live_server.app.config["DRAFT_COOKIE_NAME"]
    (value,) = [c["value"] for c in page.context.cookies() if c["name"] == name]
    return draft_expiry(live_server.app, value)


@pytest.mark.browser
def test_timeout_warning_stay_on_this_page_keeps_the_answers(
    new_page: Any, journey: Any, live_server: Any
) -> None:
    app = live_server.app
    # The warning opens 5 minutes before the answers would go: here, 6 seconds in.
    app.config["DRAFT_IDLE_MINUTES"] = 5.1
    page = new_page()
    journey.start(page)
    question_url = page.url
    dialog = page.locator('dialog[data-module="app-timeout-warning"]')
    assert not dialog.is_visible()
    before = _expiry(live_server, page)

    dialog.wait_for(state="visible", timeout=20_000)
    assert dialog.get_by_role("heading", name="Your answers will be deleted soon").is_visible()
    assert re.search(
        r"We will delete your answers in [45] minutes if you do nothing", dialog.inner_text()
    ), dialog.inner_text()
    assert page.evaluate("() => document.activeElement.closest('dialog') !== null")

    with page.expect_response(re.compile(r"/report/keep-alive$")) as answer:
        dialog.get_by_role("button", name="Stay on this page").click()
    assert answer.value.status == 204
    dialog.wait_for(state="hidden")
    assert page.url == question_url  # still on the page, nothing reloaded
    assert page.evaluate("() => document.activeElement.closest('dialog') === null")
    assert _expiry(live_server, page) >= before + dt.timedelta(seconds=3)
    assert live_server.drafts() == 1


@pytest.mark.browser
def test_receipt_page_survives_reload_and_back_then_says_the_report_was_sent(
    new_page: Any, journey: Any, live_server: Any, full_answers: Any
) -> None:
    page = new_page()
    answers = full_answers("receipt")
    journey.start(page)
    for slug in journey.slugs(answers):
        journey.answer(page, slug, answers[slug])
    reference, receipt = journey.send(page)
    assert page.url == f"{live_server.url}/report/sent"
    assert page.get_by_role("link", name="Print or save this page").is_visible()

    page.reload()
    assert journey.confirmation(page) == (reference, receipt)
    page.go_back()  # to the check page, which now leads to the receipt again
    assert page.url == f"{live_server.url}/report/sent"
    assert journey.confirmation(page) == (reference, receipt)

    page.get_by_label("Check you have your receipt: type its last 4 digits").fill(receipt[-4:])
    journey.click_button(page, "Check")
    assert page.get_by_role("heading", name="You have your receipt").is_visible()
    page.goto("/report/sent")
    assert page.get_by_role("heading", name="Your report has been sent").is_visible()
    assert receipt not in page.locator("main").inner_text()
    assert live_server.report_exists(reference)
