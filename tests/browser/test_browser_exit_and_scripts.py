"""With JavaScript on: "Exit this page" by keyboard shortcut, and scripts that obey the CSP."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.browser
def test_exit_this_page_shift_three_times(
    new_page: Any, journey: Any, live_server: Any, full_answers: Any
) -> None:
    page = new_page()
    answers = full_answers("shift")
    slugs = journey.slugs(answers)
    journey.start(page)
    for slug in slugs[:2]:
        journey.answer(page, slug, answers[slug])
    assert page.url == f"{live_server.url}/report/{slugs[2]}"
    assert live_server.drafts() == 1
    page.locator(".govuk-exit-this-page[data-govuk-exit-this-page-init]").wait_for()

    # The focus is nowhere in particular: the shortcut works from anywhere on the page.
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    assert page.url == f"{live_server.url}/report/{slugs[2]}"  # not yet
    with page.expect_navigation(url=live_server.exit_url):
        page.keyboard.press("Shift")
    assert page.url == live_server.exit_url
    assert page.get_by_role("heading", name="How we protect your information").is_visible()
    assert live_server.drafts() == 0

    # The answers went with the draft: Back, or a question's address, says they are gone.
    page.go_back()
    assert page.url == f"{live_server.url}/report/{slugs[2]}"
    assert page.get_by_role("heading", name="We cannot find your answers").is_visible()
    page.goto(f"/report/{slugs[1]}")
    assert page.get_by_role("heading", name="We cannot find your answers").is_visible()
    assert page.get_by_role("button", name="Start again").is_visible()
    assert "dev-draft" not in {cookie["name"] for cookie in page.context.cookies()}


@pytest.mark.browser
def test_no_csp_violations(
    new_page: Any, journey: Any, live_server: Any, full_answers: Any
) -> None:
    page = new_page()
    console: list[str] = []
    errors: list[str] = []
    requests: list[str] = []
    broken: list[str] = []  # scripts, styles, icons that did not load
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: broken.append(f"{request.url} failed"))
    page.on(
        "response",
        lambda response: (
            broken.append(f"{response.url} {response.status}")
            if response.request.resource_type != "document" and response.status >= 400
            else None
        ),
    )
    visited: list[str] = []

    def components_initialised() -> None:
        visited.append(page.url)
        body_classes = page.evaluate("() => Array.from(document.body.classList)")
        assert "govuk-frontend-supported" in body_classes, (page.url, body_classes)
        assert "js-enabled" in body_classes, (page.url, body_classes)
        # initAll() ran: the "Exit this page" component marks itself initialised.
        page.locator(".govuk-exit-this-page[data-govuk-exit-this-page-init]").wait_for()

    answers = full_answers("csp")
    page.goto("/")
    components_initialised()
    journey.click_button(page, "Start now")
    for slug in journey.slugs(answers):
        components_initialised()
        if slug == "account":
            # The character count is JavaScript's: it counts as the person types.
            page.locator(".govuk-character-count[data-govuk-character-count-init]").wait_for()
            page.locator("textarea[name=account]").fill(answers[slug]["account"])
            assert "You have 9,9" in page.locator(".govuk-character-count__status").inner_text()
        if slug == "danger":
            response = journey.click_button(page, "Continue")  # an error state too
            assert response.status == 400
            components_initialised()
            assert page.evaluate(
                "() => document.activeElement.classList.contains('govuk-error-summary')"
            )
        journey.answer(page, slug, answers[slug])
    components_initialised()  # check your answers
    journey.send(page)
    components_initialised()  # confirmation
    page.goto("/privacy")
    components_initialised()
    page.goto("/no-such-page")
    components_initialised()

    csp = [line for line in console if "Content Security Policy" in line or "Refused to" in line]
    assert not csp, "\n".join(csp)
    assert not errors, "\n".join(errors)
    # The 400 of the error state and the 404 page log "Failed to load resource" too: pages
    # are checked through their responses instead, below.
    problems = [
        line
        for line in console
        if line.startswith(("error", "warning"))
        and "Failed to load resource: the server responded" not in line
    ]
    assert not problems, "\n".join(problems)
    assert not broken, "\n".join(broken)
    elsewhere = [url for url in requests if not url.startswith(f"{live_server.url}/")]
    assert not elsewhere, f"requests to other origins: {elsewhere}"
    assert len(visited) >= len(journey.slugs(answers)) + 5

    # The listener would have seen a violation: an inline script is refused and reported.
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("""() => {
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true';
            document.body.appendChild(script);
        }""")
    assert page.evaluate("() => window.inlineRan") is None
