"""The whole journey with a keyboard alone: Tab, Shift+Tab, Space, arrow keys, typing, Enter.

No mouse clicks and no element-level fill or check: only page.keyboard. The page is read (to
know where the focus is) but never changed by the test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

MAX_TABS = 120  # the check page has a "Change" link for every answer

_FOCUS_IS = "s => !!document.activeElement && document.activeElement.matches(s)"
_DIRECTION = """s => {
    const target = document.querySelector(s), active = document.activeElement;
    if (!target) throw new Error('nothing matches ' + s);
    if (!active || active === document.body) return 'Tab';
    return active.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_PRECEDING
        ? 'Shift+Tab' : 'Tab';
}"""
_DESCRIBE_FOCUS = """() => {
    const a = document.activeElement;
    if (!a) return 'nothing';
    return a.outerHTML.slice(0, 160);
}"""


def focus_is(page: Any, selector: str) -> bool:
    return bool(page.evaluate(_FOCUS_IS, selector))


def assert_focus(page: Any, selector: str) -> None:
    assert focus_is(page, selector), (
        f"expected focus on {selector}, it is on {page.evaluate(_DESCRIBE_FOCUS)}"
    )


def tab_to(page: Any, selector: str) -> None:
    """Press Tab, or Shift+Tab if the target is behind the focus, until the target has focus."""
    key = page.evaluate(_DIRECTION, selector)
    for _ in range(MAX_TABS):
        if focus_is(page, selector):
            return
        page.keyboard.press(key)
    assert_focus(page, selector)


def choose_radio(page: Any, name: str, value: str) -> None:
    """Tab into the radio group, then move to the option with the arrow keys (which selects
    it), or select the option that has the focus with Space."""
    group = f'input[type="radio"][name="{name}"]'
    tab_to(page, group)
    values: list[str] = page.evaluate(
        "s => Array.from(document.querySelectorAll(s)).map(e => e.value)", group
    )
    current = values.index(page.evaluate("() => document.activeElement.value"))
    wanted = values.index(value)
    key = "ArrowDown" if wanted > current else "ArrowUp"
    for _ in range(abs(wanted - current)):
        page.keyboard.press(key)
    if wanted == current:
        page.keyboard.press("Space")
    assert_focus(page, f'{group}[value="{value}"]:checked')


def tick_checkbox(page: Any, name: str, value: str) -> None:
    selector = f'input[type="checkbox"][name="{name}"][value="{value}"]'
    tab_to(page, selector)
    page.keyboard.press("Space")
    assert_focus(page, f"{selector}:checked")


def type_into(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def answer_with_keyboard(page: Any, data: Mapping[str, Any]) -> None:
    """Answer a question page, in the order the answers are given (Shift+Tab goes back)."""
    for name, value in data.items():
        if value in ("", None, []):
            continue
        kinds: list[str] = page.evaluate(
            "n => Array.from(document.querySelector('main form').elements)"
            ".filter(e => e.name === n).map(e => e.type)",
            name,
        )
        assert kinds, f"no field named {name}"
        if kinds[0] == "radio":
            choose_radio(page, name, value)
        elif kinds[0] == "checkbox":
            for choice in value:
                tick_checkbox(page, name, choice)
        elif isinstance(value, list):  # a date: day, month and year, one input each
            ids: list[str] = page.evaluate(
                "n => Array.from(document.getElementsByName(n)).map(e => e.id)", name
            )
            for field_id, part in zip(ids, value, strict=True):
                type_into(page, f'[id="{field_id}"]', part)
        else:
            type_into(page, f'main form [name="{name}"]', value)


def submit_with_keyboard(page: Any, button: str = "main form button.govuk-button") -> Any:
    """Submit: Enter in a one-line text field (implicit submission), or Tab to the button."""
    if not focus_is(page, "main form input:is([type=text], [type=email], [type=tel])"):
        tab_to(page, button)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    return navigation.value


@pytest.mark.browser
def test_journey_with_keyboard_only(
    new_page: Any, journey: Any, live_server: Any, full_answers: Any
) -> None:
    page = new_page()
    answers = full_answers("kb")
    # Out of page order on purpose: "race" comes before "religion", so the second needs
    # Shift+Tab.
    assert answers["why"]["strands"] == ["religion", "race"]
    slugs = journey.slugs(answers)
    assert "contact-details" in slugs

    # The start page: the skip link is the first thing Tab reaches, and it moves the focus to
    # the main content; the next Tab reaches "Start now".
    page.goto("/")
    page.keyboard.press("Tab")
    assert_focus(page, "a.govuk-skip-link")
    page.keyboard.press("Enter")
    assert_focus(page, "main#main-content")
    page.keyboard.press("Tab")
    assert_focus(page, "main form button.govuk-button--start")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server.url}/report/{slugs[0]}"

    # A mistake: Continue without choosing. The error summary takes the focus, its link takes
    # the focus to the question, and the arrow keys answer it from there.
    response = submit_with_keyboard(page)
    assert response.status == 400
    assert_focus(page, ".govuk-error-summary")
    assert page.locator(".govuk-error-summary").is_visible()
    page.keyboard.press("Tab")
    assert_focus(page, '.govuk-error-summary a[href="#danger"]')
    page.keyboard.press("Enter")
    assert_focus(page, 'input[name="danger"][value="yes"]')
    assert page.url.endswith("/report/danger")  # the link moved the focus; no page loaded

    for index, slug in enumerate(slugs):
        assert page.url.split("#")[0] == f"{live_server.url}/report/{slug}", page.url
        answer_with_keyboard(page, answers[slug])
        response = submit_with_keyboard(page)
        assert response.status == 200, (slug, page.locator("main").inner_text())
        following = slugs[index + 1] if index + 1 < len(slugs) else "check"
        assert page.url == f"{live_server.url}/report/{following}"

    # Check your answers, then send: past every "Change" link to the button.
    main_text = page.locator("main").inner_text()
    assert "Two men followed me home kbaccount" in main_text
    assert "Religion or belief" in main_text and "Verbal abuse or insults" in main_text
    response = submit_with_keyboard(page, "main form button.govuk-button")
    assert response.status == 200
    reference, receipt = journey.confirmation(page)
    assert len(receipt.replace(" ", "")) == 16
    assert live_server.report_exists(reference)
    assert live_server.drafts() == 0
