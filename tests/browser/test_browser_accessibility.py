"""axe-core finds nothing on any page of the journey, first shown and in its error state.

Run on a phone-sized screen (most people report from a phone), with JavaScript on so that the
GOV.UK components have initialised as people meet them.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from reporting.journey.fields import MEDIUM, SHORT

# Pages where every question is optional have an error state only past a length limit:
# (field, limit). Every other page has a required question and is submitted empty.
TOO_LONG = {
    "why-details": ("why_details", MEDIUM),
    "location": ("place", SHORT),
    "responsible-description": ("description", MEDIUM),
    "witness-details": ("witness_details", MEDIUM),
    "crime-reference": ("crime_reference", 40),
    "contact-language": ("language_needs", SHORT),
    "harm": ("harm", MEDIUM),
    "impact": ("impact", MEDIUM),
    "about": ("name", SHORT),
    "about-background": ("ethnicity", SHORT),
    "about-identity": ("gender", SHORT),
}
# Pages whose only questions are optional choices have no error state at all.
NO_ERROR_STATE = {"responsible", "witnesses", "about-disability"}


class AxeAudit:
    """Runs axe on each page it is shown and keeps every violation, labelled by page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.axe = Axe()
        self.audited: list[str] = []
        self.violations: list[str] = []

    def __call__(self, label: str) -> None:
        # Audit what people meet: the page once its components have initialised.
        self.page.locator(".govuk-exit-this-page[data-govuk-exit-this-page-init]").wait_for()
        assert "govuk-frontend-supported" in (
            self.page.locator("body").get_attribute("class") or ""
        )
        results = self.axe.run(self.page)
        self.audited.append(label)
        for violation in results.response["violations"]:
            nodes = "\n".join(
                f"      {' '.join(node['target'])}: {node['html'][:200]}"
                for node in violation["nodes"]
            )
            self.violations.append(
                f"{label} ({self.page.url}):\n  {violation['id']} [{violation['impact']}] "
                f"{violation['help']} ({violation['helpUrl']})\n{nodes}"
            )

    def assert_none(self) -> None:
        assert not self.violations, (
            f"{len(self.violations)} axe violation(s) on {len(self.audited)} pages:\n"
            + "\n".join(self.violations)
        )


@pytest.mark.browser
def test_axe_zero_violations_on_every_page(
    new_page: Any, journey: Any, live_server: Any, full_answers: Any
) -> None:
    page = new_page(viewport=journey.PHONE)
    audit = AxeAudit(page)
    answers = full_answers("axe")
    slugs = journey.slugs(answers)
    assert "contact-details" in slugs

    page.goto("/")
    audit("start page")
    journey.click_button(page, "Start now")

    for slug in slugs:
        assert page.url == f"{live_server.url}/report/{slug}", page.url
        audit(f"{slug}: first shown")

        if slug in NO_ERROR_STATE:
            response = journey.answer(page, slug, answers[slug])
            assert response.ok, (slug, response.status)
            continue
        if slug in TOO_LONG:
            name, limit = TOO_LONG[slug]
            page.locator(f'main form [name="{name}"]').fill("x" * (limit + 1))
        elif slug == "contact-details":
            # An address in the wrong format. (An empty one should give the error state too,
            # but today it is accepted: Optional() on the email field skips validate_email.)
            page.locator('main form [name="email"]').fill("not an email address")
        response = journey.click_button(page, "Continue")
        assert response.status == 400, f"{slug}: no error state ({response.status})"
        assert page.locator(".govuk-error-summary").is_visible()
        audit(f"{slug}: error state")
        if slug in TOO_LONG:
            page.locator(f'main form [name="{TOO_LONG[slug][0]}"]').fill("")

        if slug == "danger":
            journey.fill(page, {"danger": "yes"})
            journey.click_button(page, "Continue")
            assert page.url == f"{live_server.url}/report/in-danger"
            audit("in danger: call 999")
            assert page.get_by_role("link", name="call 999").get_attribute("href") == "tel:999"
            # The person changes their mind: Back to the question, answered again.
            page.go_back()
            assert page.url == f"{live_server.url}/report/danger"

        response = journey.answer(page, slug, answers[slug])
        assert response.ok, (slug, response.status, page.locator("main").inner_text())

    assert page.url == f"{live_server.url}/report/check"
    audit("check your answers")
    journey.send(page)
    audit("confirmation")

    # Start again and leave the draft for over an hour.
    with page.expect_navigation():
        page.get_by_role("link", name="Report something else").click()
    journey.click_button(page, "Start now")
    live_server.expire_drafts()
    response = page.goto(f"/report/{slugs[0]}")
    assert response.status == 410
    assert page.get_by_role("heading", name="Your answers have been deleted").is_visible()
    audit("draft expired")

    response = page.goto("/no-such-page")
    assert response.status == 404
    audit("page not found")

    page.goto("/privacy")
    audit("privacy")

    page.goto("/support")
    audit("get support")

    assert len(audit.audited) == 2 * len(slugs) - len(NO_ERROR_STATE) + 8
    audit.assert_none()
