"""The whole loop in a real browser, JavaScript on and off: a report is sent, an officer replies,
the reporter comes back with the receipt, reads it, replies and adds to the report; the officer
sees the new-message marker and the addition; the reporter withdraws consent to the police and
the officer sees the banner. axe-core finds nothing on the receipt page with its new forms.

The officer works through the test client on the same app (the officers' pages have browser
tests of their own); the reporter in Chromium.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask.testing import FlaskClient

from reporting import keys
from tests import helpers
from tests.staff import client_for, create_user, sign_in

REFERENCE = re.compile(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def team_server(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, dict[str, bytes], Any]]:
    """The live server, with the private key of the team it creates, and ``new_page`` (asked
    for after: it starts the live server)."""
    created: dict[str, bytes] = {}
    create_team = keys.create_team

    def create_and_keep(*args: Any, **kwargs: Any) -> Any:
        new = create_team(*args, **kwargs)
        created[new.team_key.key_id] = new.private_key
        return new

    monkeypatch.setattr(keys, "create_team", create_and_keep)
    server = request.getfixturevalue("live_server")
    monkeypatch.undo()
    assert len(created) == 1, "the live server was started before this fixture could see it"
    yield server, created, request.getfixturevalue("new_page")


def local_client(app: Any) -> FlaskClient:
    """A test client as a loopback browser over http (development mode answers no other)."""
    client = client_for(app)
    client.environ_base.update({"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http"})
    return client


def send_report(app: Any) -> tuple[str, str]:
    """Walk the journey; the reference and the receipt shown."""
    reporter = helpers.Reporter(local_client(app))
    reporter.start()
    answers = {
        **helpers.full_answers("Lp8"),
        "sharing": {"share_with_police": "with-details", "share_with_support": "yes"},
    }
    reporter.answer_all(answers)
    html = reporter.send().get_data(as_text=True)
    reference = REFERENCE.search(html)
    groups = re.findall(r'app-receipt__group">(\d{4})<', html)
    assert reference and len(groups) == 4, html[:2000]
    return reference.group(0), " ".join(groups)


def officer(app: Any, team_keys: dict[str, bytes]) -> FlaskClient:
    user = create_user(
        app, "officer", team_keys=team_keys, email="olive@example.org", name="Olive Officer"
    )
    client = local_client(app)
    assert sign_in(client, user).status_code == 302
    return client


def officer_sends(client: FlaskClient, reference: str, text: str) -> None:
    page = client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    response = client.post(
        f"/staff/reports/{reference}/messages",
        data={"csrf_token": helpers.csrf_token(page), "message": text},
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]


def click(page: Any, name: str) -> Any:
    with page.expect_navigation() as navigation:
        page.locator("main").get_by_role("button", name=name).click()
    return navigation.value


def axe_violations(page: Any, runner: Any | None) -> list[str]:
    """axe-core on what the page shows (for a page without JavaScript, on a script-free copy
    of it, in ``runner``)."""
    target = page
    if runner is not None:
        copy = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
        base = page.url.split("/replies")[0]
        copy = copy.replace("<head>", f'<head><base href="{base}/">', 1)
        runner.set_content(copy, wait_until="load")
        target = runner
    results = Axe().run(target)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]]


def the_loop(page: Any, server: Any, team_keys: dict[str, bytes], runner: Any | None) -> None:
    app = server.app
    reference, receipt = send_report(app)
    staff = officer(app, team_keys)
    officer_sends(staff, reference, "Thank you for telling us. Are you safe now?")

    # The reporter comes back with the receipt and reads the reply.
    page.goto("/replies")
    page.get_by_label("Your receipt").fill(receipt)
    assert click(page, "Continue").ok
    main = page.locator("main").inner_text()
    assert "Thank you for telling us. Are you safe now?" in main
    assert "Lp8" not in main  # never their answers
    assert "Yes, with my contact details" in main  # what they agree to share now
    violations = axe_violations(page, runner)

    page.get_by_label("Send a message to the team").fill("Yes, thank you.")
    assert click(page, "Send message").ok
    assert "Your message has been sent" in page.locator("main").inner_text()
    assert "Your message has been sent" not in page.reload().text()  # shown once

    # An addition refused (empty), then sent.
    response = click(page, "Add to my report")
    assert response.status == 400
    assert "Enter what you want to add" in page.locator(".govuk-error-summary").inner_text()
    violations += axe_violations(page, runner)
    page.get_by_label("What do you want to add?").fill("A week later they were there again. Lp9Add")
    assert click(page, "Add to my report").ok
    today = dt.date.today().strftime("%-d %B %Y")
    main = page.locator("main").inner_text()
    assert "What you added has been added to your report" in main
    assert f"You added to your report on {today}" in main and "Lp9Add" not in main
    violations += axe_violations(page, runner)

    # The officer: the new-message marker in the list, the addition on the page.
    listing = staff.get("/staff/reports/").get_data(as_text=True)
    assert "New message" in listing
    report_page = staff.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert f"Added by the reporter on {today}" in report_page
    assert "A week later they were there again. Lp9Add" in report_page
    assert "changed what they agree to share" not in report_page

    # The reporter withdraws consent to the police.
    page.locator("main").get_by_label("No, do not share it with the police").check()
    assert click(page, "Save what I agree to share").ok
    main = page.locator("main").inner_text()
    assert "What you agree to share has been changed" in main
    assert "No, do not share it with the police" in main
    violations += axe_violations(page, runner)
    assert not violations, "\n".join(violations)

    report_page = staff.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert "govuk-notification-banner" in report_page
    assert f"The reporter changed what they agree to share on {today}" in report_page
    printed = staff.get(f"/staff/reports/{reference}/print").get_data(as_text=True)
    assert "must not be passed to the police" in printed


@pytest.mark.browser
def test_the_reporter_loop_with_javascript_on(team_server: Any) -> None:
    server, team_keys, new_page = team_server
    page = new_page()
    the_loop(page, server, team_keys, None)


@pytest.mark.browser
def test_the_reporter_loop_with_javascript_off(team_server: Any) -> None:
    server, team_keys, new_page = team_server
    page = new_page(java_script_enabled=False)
    runner = new_page()
    runner.route("**/*.js", lambda route: route.abort())
    the_loop(page, server, team_keys, runner)
