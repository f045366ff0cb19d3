"""The journey works with JavaScript switched off: plain forms, plain links, server-side checks."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.browser
def test_journey_with_javascript_disabled(
    new_page: Any, journey: Any, live_server: Any, full_answers: Any
) -> None:
    page = new_page(java_script_enabled=False)
    answers = full_answers("nojs")
    slugs = journey.slugs(answers)

    # No script ran: no GOV.UK component initialised itself.
    page.goto("/")
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")

    # "Exit this page" is a plain link without JavaScript, and it deletes the draft.
    journey.start(page)
    for slug in slugs[:3]:
        journey.answer(page, slug, answers[slug])
    assert page.url.endswith(f"/report/{slugs[3]}")
    assert live_server.drafts() == 1
    exit_link = page.locator("a.govuk-exit-this-page__button")
    assert exit_link.is_visible()
    assert exit_link.get_attribute("href") == "/exit"
    with page.expect_navigation():
        exit_link.click()
    assert page.url == live_server.exit_url
    assert live_server.drafts() == 0
    # Going back shows nothing from before: the draft is gone, and so is its key. The
    # browser's Back button asks the server again (no-store), which says so...
    page.go_back()
    assert page.url == f"{live_server.url}/report/{slugs[3]}"
    assert page.get_by_role("heading", name="We cannot find your answers").is_visible()
    assert page.get_by_role("button", name="Start again").is_visible()
    # ...and so does any question page's address.
    for slug in slugs[:3]:
        page.goto(f"/report/{slug}")
        assert page.get_by_role("heading", name="We cannot find your answers").is_visible()
    assert "dev-draft" not in {cookie["name"] for cookie in page.context.cookies()}

    # The whole journey again, with one mistake on the way.
    journey.start(page)
    for slug in slugs:
        if slug == "contact-details":
            page.locator('input[name="email"]').fill("not an email address")
            response = journey.click_button(page, "Continue")
            assert response.status == 400
            summary = page.locator(".govuk-error-summary")
            assert summary.is_visible()
            assert summary.get_by_role("heading", name="There is a problem").is_visible()
            error_link = summary.get_by_role(
                "link", name="Enter an email address in the correct format, like name@example.com"
            )
            assert error_link.get_attribute("href") == "#email"
            assert page.title().startswith("Error: ")
            # What the person typed is still there for them to correct.
            assert page.locator('input[name="email"]').input_value() == "not an email address"
            assert page.locator("#email-error").is_visible()
            page.locator('input[name="email"]').fill("")
        response = journey.answer(page, slug, answers[slug])
        assert response.ok, (slug, response.status, page.locator("main").inner_text())

    assert page.url == f"{live_server.url}/report/check"
    check = page.locator("main")
    assert "Outside the library nojsplace" in check.inner_text()
    assert "personnojs@example.org" in check.inner_text()
    reference, _receipt = journey.send(page)
    assert live_server.report_exists(reference)
    assert live_server.drafts() == 0
