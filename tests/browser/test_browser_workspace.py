"""The staff workspace in a browser: sign-in, invitations, grants, triage, axe and the CSP.

Staff accounts come from tests/staff.py; the live server's review team key is captured as the
server creates it, so an administrator can hold it and grant it through the admin pages. Reports
are sent through the public journey with a test client on the same app (the browser part that
matters here is the officers'). Officers and administrators work at a desktop; invitations and
sign-in are also met on a phone.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from reporting import keys
from reporting.auth import totp
from reporting.db import database
from reporting.models import User
from reporting.reports import REFERENCE_ALPHABET
from tests.helpers import Reporter, full_answers
from tests.review import insert_reports, report_row
from tests.staff import StaffUser, create_user

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
STAFF_COOKIE = "dev-staff"
REFERENCE = re.compile(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}")
SIGN_IN_ERROR = "The email address, password or code is not right, or the account is locked"

# Every GOV.UK component on the page has initialised (initAll() ran), as people meet it. The
# printable view loads no app.js (deliberately: a plain page), so nothing initialises there.
_INITIALISED = """() => document.body.classList.contains('govuk-frontend-supported')
    && (!Array.from(document.scripts).some(s => s.src.endsWith('/js/app.js'))
        || Array.from(document.querySelectorAll('[data-module^="govuk-"]'))
            .every(el => el.hasAttribute(`data-${el.dataset.module}-init`)))"""


# --- The workspace: a live server whose team key we hold ------------------------------------


@dataclass
class Workspace:
    server: Any
    team_keys: dict[str, bytes]
    new_page: Callable[..., Any]
    # Called with every page opened (the CSP test listens to each one).
    watchers: list[Callable[[Any], None]] = field(default_factory=list)

    @property
    def app(self) -> Any:
        return self.server.app

    @property
    def url(self) -> str:
        return str(self.server.url)

    def open(self, viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        """A page in a fresh browser context: nobody signed in, JavaScript on unless told."""
        page = self.new_page(viewport=viewport, **options)
        for watch in self.watchers:
            watch(page)
        return page

    def user(self, role: str, *, can_open_reports: bool = False, **details: Any) -> StaffUser:
        """A set-up account; ``can_open_reports`` grants it the review team's key."""
        return create_user(
            self.app, role, team_keys=self.team_keys if can_open_reports else None, **details
        )

    def user_id(self, email: str) -> int:
        with database(self.app).session() as db:
            found = db.scalar(select(User.id).where(User.email == email))
            assert found is not None, email
            return int(found)

    def send_report(self, marker: str) -> str:
        """Walk the public journey (test client on the same app); the reference shown."""
        client = self.app.test_client()
        # Development mode answers loopback clients only; over http, like the live server.
        client.environ_base.update({"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http"})
        reporter = Reporter(client)
        assert reporter.start().status_code == 302
        reporter.answer_all(full_answers(marker))
        html = reporter.send().get_data(as_text=True)
        match = REFERENCE.search(html)
        assert match, html[:2000]
        assert self.server.report_exists(match.group(0))
        return match.group(0)

    def sign_in(self, page: Any, user: StaffUser, *, code: str | None = None) -> Any:
        """Fill the sign-in form and send it; returns the response to the POST."""
        if not page.url.startswith(f"{self.url}/staff/sign-in"):
            page.goto("/staff/sign-in")
        settled(page)
        form = page.locator("main form")
        form.get_by_label("Email address", exact=True).fill(user.email)
        form.get_by_label("Password", exact=True).fill(user.password)
        form.get_by_label("Code from your authenticator app").fill(code or fresh_code(user))
        return click(page, "Sign in")

    def signed_in(self, user: StaffUser, viewport: dict[str, int] = DESKTOP) -> Any:
        """A fresh context with ``user`` signed in, where their role starts: Reports for
        officers and admins, their account page for others."""
        page = self.open(viewport)
        response = self.sign_in(page, user)
        assert response.ok, (response.status, main_text(page))
        start = "reports" if user.role in ("officer", "admin") else "account"
        assert page.url == f"{self.url}/staff/{start}/", page.url
        assert STAFF_COOKIE in {cookie["name"] for cookie in page.context.cookies()}
        return page


@pytest.fixture
def workspace(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Workspace]:
    """The live server, with the private key of the team it creates (not kept otherwise)."""
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
    yield Workspace(server, created, request.getfixturevalue("new_page"))


# --- Steps a person takes -------------------------------------------------------------------


def settled(page: Any) -> None:
    """Wait until the page has loaded and its GOV.UK components have initialised."""
    page.wait_for_load_state("load")
    page.wait_for_function(_INITIALISED)


def click(page: Any, name: str) -> Any:
    """Select a button in the page's main content; returns the response to it."""
    with page.expect_navigation() as navigation:
        page.locator("main").get_by_role("button", name=name, exact=True).click()
    response = navigation.value
    settled(page)
    return response


def follow(page: Any, name: str, *, within: str = "main") -> Any:
    """Follow a link by its text; returns the response."""
    with page.expect_navigation() as navigation:
        page.locator(within).get_by_role("link", name=name, exact=True).first.click()
    response = navigation.value
    settled(page)
    return response


def visit(page: Any, path: str) -> Any:
    response = page.goto(path)
    settled(page)
    return response


def main_text(page: Any) -> str:
    return str(page.locator("main").inner_text())


def heading(page: Any) -> str:
    return str(page.locator("main h1").inner_text()).strip()


def banner(page: Any) -> str:
    """The success message shown after an action."""
    return str(page.locator(".govuk-notification-banner--success").inner_text())


def summary_value(page: Any, key: str, *, list_index: int | None = None) -> str:
    """The value next to ``key`` in the page's n-th summary list (any list if not given)."""
    lists = page.locator(".govuk-summary-list")
    rows = (lists if list_index is None else lists.nth(list_index)).locator(
        ".govuk-summary-list__row"
    )
    row = rows.filter(
        has=page.locator(
            ".govuk-summary-list__key", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$")
        )
    )
    return str(row.locator(".govuk-summary-list__value").inner_text()).strip()


def error_summary_focused(page: Any) -> bool:
    return bool(
        page.evaluate("() => document.activeElement.classList.contains('govuk-error-summary')")
    )


def error_messages(page: Any) -> list[str]:
    return [
        text.strip() for text in page.locator(".govuk-error-summary__list li").all_inner_texts()
    ]


def fresh_code(user: StaffUser) -> str:
    """The code an authenticator app shows now (or the next one, if that one is used).

    Not StaffUser.next_code()'s first choice, the code of the step before, which the server
    stops accepting when the 30 seconds turn over while the browser is filling in the form."""
    return user.next_code(now=time.time() + totp.STEP_SECONDS)


def wrong_code(user: StaffUser) -> str:
    """Six digits that are not any code the server could accept now."""
    current = int(time.time()) // totp.STEP_SECONDS
    valid = {
        totp.code_at(user.totp_secret, step * totp.STEP_SECONDS)
        for step in range(current - 2, current + 4)
    }
    return next(code for code in (f"{n:06d}" for n in range(1, 100)) if code not in valid)


def accept_invitation(page: Any, link: str, password: str) -> tuple[bytes, int]:
    """Set up the account from its invitation link as a person with an authenticator app
    would: read the key printed under the QR code, and type the code it gives now.
    Returns the authenticator secret and the time step of the code used."""
    response = visit(page, link)
    assert response.status == 200, response.status
    assert heading(page) == "Set up your account"
    grouped = page.locator("#authenticator-key").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", grouped), grouped
    text = grouped.replace(" ", "")
    secret = base64.b32decode(text + "=" * (-len(text) % 8))
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    form = page.locator("main form")
    form.get_by_label("New password", exact=True).fill(password)
    form.get_by_label("Confirm new password", exact=True).fill(password)
    step = int(time.time()) // totp.STEP_SECONDS
    form.get_by_label("Code from your authenticator app").fill(
        totp.code_at(secret, step * totp.STEP_SECONDS)
    )
    response = click(page, "Set up account")
    assert response.ok, (response.status, main_text(page))
    return secret, step


def unknown_reference(known: str) -> str:
    reference = "HC-" + REFERENCE_ALPHABET[:4] + "-" + REFERENCE_ALPHABET[-4:]
    return reference if reference != known else "HC-" + REFERENCE_ALPHABET[4:8] + "-2222"


# --- 1. Sign-in -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_sign_in_with_authenticator_code(workspace: Workspace, viewport: dict[str, int]) -> None:
    admin = workspace.user("admin", can_open_reports=True, name="Ada Admin")
    page = workspace.open(viewport)
    response = visit(page, "/staff/account/")
    # Signed out: the account page sends you to sign in, and back afterwards.
    assert page.url == f"{workspace.url}/staff/sign-in?next=/staff/account/", page.url
    assert response.ok
    assert heading(page) == "Sign in"

    response = workspace.sign_in(page, admin, code=wrong_code(admin))
    assert response.status == 400
    assert page.title().startswith("Error: Sign in")
    assert page.locator(".govuk-error-summary").is_visible()
    assert error_summary_focused(page), "the error summary does not have the focus"
    assert error_messages(page) == [SIGN_IN_ERROR]
    assert page.locator(".govuk-error-summary a").get_attribute("href") == "#email"
    # The email address is kept; the password and the code are not sent back.
    form = page.locator("main form")
    assert form.get_by_label("Email address", exact=True).input_value() == admin.email
    assert form.get_by_label("Password", exact=True).input_value() == ""
    assert form.get_by_label("Code from your authenticator app").input_value() == ""
    assert STAFF_COOKIE not in {cookie["name"] for cookie in page.context.cookies()}

    response = workspace.sign_in(page, admin)
    assert response.status == 200, response.status
    assert page.url == f"{workspace.url}/staff/account/", page.url
    assert heading(page) == "Your account"
    assert summary_value(page, "Name") == "Ada Admin"
    assert summary_value(page, "Email address") == admin.email
    assert summary_value(page, "Role") == "Admin"
    assert summary_value(page, "Can open reports") == "Yes"
    assert summary_value(page, "Signed-in sessions") == "1"
    assert "Signed in as Ada Admin (admin)." in page.locator(".app-sign-out").inner_text()
    staff_menu = page.get_by_role("navigation", name="Staff menu")
    if viewport == PHONE:  # the menu is behind its toggle on a small screen
        assert staff_menu.get_by_role("link", name="Reports").count() == 0
        staff_menu.get_by_role("button", name="Menu").click()
    assert staff_menu.get_by_role("link", name="Reports").count() == 1
    assert staff_menu.get_by_role("link", name="Admin").count() == 1
    cookie = next(c for c in page.context.cookies() if c["name"] == STAFF_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie


# --- 2. From invitation to a closed report --------------------------------------------------


@pytest.mark.browser
def test_officer_triages_a_report_end_to_end(workspace: Workspace) -> None:
    marker = "triage"
    reference = workspace.send_report(marker)
    admin = workspace.user("admin", can_open_reports=True, name="Ada Admin")
    name, email = "Ola Nowak", "ola.nowak@example.org"
    officer_password = "four unrelated words for ola"

    # The administrator invites the officer through the admin pages.
    admin_page = workspace.signed_in(admin)
    follow(admin_page, "Admin", within="header")
    assert heading(admin_page) == "Accounts"
    follow(admin_page, "Invite someone")
    assert admin_page.url == f"{workspace.url}/staff/admin/invite"
    form = admin_page.locator("main form")
    form.get_by_label("Full name").fill(name)
    form.get_by_label("Email address").fill(email)
    form.get_by_role("radio", name="Reviewing officer").check()
    response = click(admin_page, "Create invitation")
    assert response.status == 200
    assert admin_page.locator(".govuk-panel").inner_text().split() == [
        "Invitation",
        "created",
        "For",
        *name.split(),
    ]
    link = admin_page.get_by_label(f"Invitation link for {email}").input_value().strip()
    assert re.fullmatch(rf"{re.escape(workspace.url)}/staff/invitation/[^/\s]+", link), link

    # The officer sets up the account, on their phone, in a browser of their own.
    officer_page = workspace.open(PHONE)
    secret, step = accept_invitation(officer_page, link, officer_password)
    assert officer_page.url == f"{workspace.url}/staff/sign-in", officer_page.url
    assert "Your account is set up." in banner(officer_page)
    officer = StaffUser(
        workspace.user_id(email),
        email,
        officer_password,
        secret,
        "officer",
        name,
        last_step=step,
    )
    # The link is spent.
    response = visit(officer_page, link)
    assert response.status == 404
    assert heading(officer_page) == "This link is not valid"

    # The administrator grants access to reports from the officer's account page.
    visit(admin_page, "/staff/admin/")
    row = admin_page.locator("main tbody tr", has_text=email)
    assert "Active" in row.inner_text()
    follow(admin_page, name)
    assert heading(admin_page) == name
    assert summary_value(admin_page, "Can open reports") == "No"
    response = click(admin_page, "Grant access to reports")
    assert response.ok
    assert banner(admin_page).strip().endswith(f"{name} can open reports from their next sign-in.")
    assert summary_value(admin_page, "Can open reports") == "Yes"
    follow(admin_page, "All accounts")
    follow(admin_page, "Access to reports")
    holders = admin_page.get_by_role("table", name="Who holds the team key")
    assert holders.get_by_role("link", name=name).is_visible()
    assert holders.get_by_role("link", name="Ada Admin").is_visible()

    # The officer signs in at their desk and finds the new report.
    page = workspace.signed_in(officer)
    assert heading(page) == "Reports"  # where an officer starts
    follow(page, "Your account", within="header")
    assert summary_value(page, "Can open reports") == "Yes"
    follow(page, "Reports", within="header")
    assert heading(page) == "Reports"
    page.locator("main form").get_by_label("Status", exact=True).select_option(label="New")
    response = click(page, "Apply filters")
    assert response.status == 200
    assert "status=new" in page.url
    results = page.locator("#results")
    assert "1 to 1 of 1 report, newest first" in results.inner_text()
    listed = results.locator("li", has_text=reference)
    assert listed.locator(".govuk-task-list__status .govuk-tag").inner_text().strip() == "New"
    assert "Assigned to: nobody" in listed.inner_text()
    with page.expect_navigation():
        listed.get_by_role("link", name=reference).click()
    settled(page)

    # The report, decrypted.
    assert page.url == f"{workspace.url}/staff/reports/{reference}"
    assert heading(page) == reference
    assert summary_value(page, "Status") == "New"
    assert summary_value(page, "Assigned to") == "Nobody"
    told = page.locator("h2:text-is('What the reporter told us') + .govuk-summary-list")
    assert f"Two men followed me home {marker}account" in told.inner_text()
    assert f"Outside the library {marker}place" in told.inner_text()
    assert "No notes yet." in main_text(page)

    # Assigned to themselves.
    page.locator("main").get_by_label("Assigned officer").select_option(label=name)
    response = click(page, "Save officer")
    assert response.ok
    assert banner(page).strip().endswith(f"Assigned to {name}.")
    assert summary_value(page, "Assigned to") == name

    # In review.
    page.get_by_role("radio", name="In review", exact=True).check()
    click(page, "Change status")
    assert banner(page).strip().endswith("Status changed to in review.")
    assert summary_value(page, "Status").startswith("In review (since ")

    # A note.
    note = f"Called the reporter back {marker}note.\nThey agreed to a referral."
    page.locator("main").get_by_label("Add a note").fill(note)
    response = click(page, "Add note")
    assert response.ok
    assert page.url.endswith(f"/staff/reports/{reference}#notes"), page.url
    assert banner(page).strip().endswith("Note added.")
    assert "No notes yet." not in main_text(page)
    notes = page.locator("main h3", has_text=name)
    assert notes.count() == 1
    shown = page.locator("main p", has_text=f"Called the reporter back {marker}note.")
    assert shown.inner_text().splitlines() == note.splitlines()

    # Closed, with a reason.
    page.get_by_role("radio", name="Closed", exact=True).check()
    page.get_by_role("radio", name="No further action", exact=True).check()
    click(page, "Change status")
    assert banner(page).strip().endswith("Status changed to closed.")
    assert summary_value(page, "Status").startswith("Closed: no further action (since ")
    # From closed it can only be reopened.
    choices = page.locator("main").get_by_role("group", name="Change the status to")
    assert choices.get_by_role("radio").count() == 1
    assert choices.get_by_role("radio", name="In review", exact=True).count() == 1

    # The list agrees: closed, assigned to them, nothing new left.
    visit(page, "/staff/reports/?assigned=me&status=closed")
    listed = page.locator("#results li", has_text=reference)
    assert listed.locator(".govuk-task-list__status .govuk-tag").inner_text().strip() == "Closed"
    assert name in listed.inner_text()
    visit(page, "/staff/reports/?status=new")
    assert "No reports match these filters." in page.locator("#results").inner_text()

    # The audit log shows what the officer did.
    visit(admin_page, f"/staff/admin/audit?actor={email}")
    actions = admin_page.locator("main tbody tr td:nth-child(3)").all_inner_texts()
    for action in ("account-set-up", "report-read", "assigned", "note-added"):
        assert any(a.strip() == action for a in actions), (action, actions)


# --- Every workspace page, for axe and for the CSP ------------------------------------------


def tour(workspace: Workspace, check: Callable[[str, Any], None]) -> list[str]:
    """Visit every page of the workspace, with ``check(label, page)`` on each; the labels."""
    visited: list[str] = []

    def seen(label: str, page: Any) -> None:
        settled(page)
        check(label, page)
        visited.append(label)

    reference = workspace.send_report("tour")
    admin = workspace.user("admin", can_open_reports=True)
    officer = workspace.user("officer", can_open_reports=True)
    keyless = workspace.user("officer")
    analyst = workspace.user("analyst")

    # Signed out, on a phone: sign in.
    anonymous = workspace.open(PHONE)
    visit(anonymous, "/staff/sign-in")
    assert heading(anonymous) == "Sign in"
    seen("sign in", anonymous)
    assert workspace.sign_in(anonymous, admin, code=wrong_code(admin)).status == 400
    assert error_messages(anonymous) == [SIGN_IN_ERROR]
    seen("sign in: error state", anonymous)

    # An administrator at a desk.
    page = workspace.signed_in(admin)
    assert heading(page) == "Reports"  # where an administrator starts
    follow(page, "Your account", within="header")
    seen("your account", page)
    follow(page, "Change your password")
    assert heading(page) == "Change your password"
    seen("change your password", page)
    assert click(page, "Change password").status == 400
    assert error_summary_focused(page)
    seen("change your password: error state", page)

    visit(page, "/staff/admin/")
    assert heading(page) == "Accounts"
    seen("admin: accounts", page)
    follow(page, "Invite someone")
    assert heading(page) == "Invite someone"
    seen("admin: invite someone", page)
    assert click(page, "Create invitation").status == 400
    assert len(error_messages(page)) == 3, error_messages(page)
    seen("admin: invite someone, error state", page)
    form = page.locator("main form")
    form.get_by_label("Full name").fill("Ina Invited")
    form.get_by_label("Email address").fill("ina.invited@example.org")
    form.get_by_role("radio", name="Reviewing officer").check()
    assert click(page, "Create invitation").status == 200
    link = page.get_by_label("Invitation link for ina.invited@example.org").input_value().strip()
    seen("admin: invitation created", page)
    visit(page, f"/staff/admin/accounts/{officer.id}")
    assert heading(page) == officer.name
    seen("admin: one account", page)
    visit(page, "/staff/admin/access")
    assert heading(page) == "Access to reports"
    seen("admin: access to reports", page)
    visit(page, "/staff/admin/audit")
    assert heading(page) == "Audit log"
    seen("admin: audit log", page)
    with page.expect_navigation():
        page.locator(".app-sign-out").get_by_role("button", name="Sign out").click()
    assert page.url == f"{workspace.url}/staff/signed-out"
    assert heading(page) == "You have signed out"
    seen("signed out", page)

    # The invitation, on a phone.
    assert visit(anonymous, link).status == 200
    assert heading(anonymous) == "Set up your account"
    seen("invitation", anonymous)
    assert click(anonymous, "Set up account").status == 400
    assert error_summary_focused(anonymous)
    seen("invitation: error state", anonymous)
    assert visit(anonymous, "/staff/invitation/not-a-real-invitation").status == 404
    assert heading(anonymous) == "This link is not valid"
    seen("invitation: not valid", anonymous)

    # An officer who holds the team key, at a desk and then on a phone.
    page = workspace.signed_in(officer)
    visit(page, "/staff/reports/")
    assert heading(page) == "Reports"
    seen("reports", page)
    filters = page.locator("main form")
    filters.get_by_label("Status", exact=True).select_option(label="New")
    filters.get_by_label("District", exact=True).select_option(value="kettering")
    filters.get_by_label("Sort by").select_option(label="Oldest first")
    assert click(page, "Apply filters").status == 200
    assert page.locator("#results li", has_text=reference).count() == 1
    seen("reports: filtered", page)
    page.locator("main form").get_by_label("Received from").fill("31/2/2025")
    assert click(page, "Apply filters").status == 400
    assert error_messages(page) == ["Received from must be a real date"]
    seen("reports: error state", page)
    visit(page, f"/staff/reports/{reference}")
    assert heading(page) == reference
    seen("report", page)
    assert click(page, "Send message").status == 400
    assert error_summary_focused(page)
    assert error_messages(page) == ["Enter a message to the reporter"]
    seen("report: message error state", page)
    page.locator("main").get_by_label("Send a message to the reporter").fill("Which street?")
    assert click(page, "Send message").ok
    assert page.url.endswith(f"/staff/reports/{reference}#messages"), page.url
    assert page.locator("#messages ~ div p", has_text="Which street?").count() == 1
    seen("report: a message sent", page)
    follow(page, "Printable version of this report")
    assert heading(page) == reference
    seen("report: printable", page)
    assert visit(page, f"/staff/reports/{unknown_reference(reference)}").status == 404
    assert heading(page) == "Report not found"
    seen("report not found", page)
    # Triage: a report that arrives after the officer's first look is new to them; the box in
    # the header finds a report however its reference is typed.
    later = workspace.send_report("tour2")
    visit(page, "/staff/reports/")
    new_tag = page.locator("#results li", has_text=later).locator(".govuk-tag")
    assert new_tag.filter(has_text="New since you last looked").count() == 1
    seen("reports: new since you last looked", page)
    search = page.locator("header form[role=search]")
    search.get_by_label("Find a report by its reference").fill(later.lower().replace("-", " "))
    with page.expect_navigation():
        search.get_by_role("button", name="Find").click()
    settled(page)
    assert heading(page) == later
    missing = unknown_reference(later)
    search.get_by_label("Find a report by its reference").fill(missing)
    with page.expect_navigation():
        search.get_by_role("button", name="Find").click()
    assert heading(page) == f"No report has the reference {missing}"
    seen("find: no such report", page)
    page.locator("main").get_by_label("Report reference").fill("HC-12$%")
    assert click(page, "Find the report").status == 400
    assert error_summary_focused(page)
    seen("find: not a reference", page)
    visit(page, "/staff/reports/")
    assert click(page, "Mark all as seen").ok
    assert page.locator("#results .govuk-tag", has_text="New since you last looked").count() == 0
    seen("reports: marked as seen", page)
    page.set_viewport_size(PHONE)
    visit(page, "/staff/reports/")
    seen("reports (phone)", page)
    visit(page, f"/staff/reports/{reference}")
    seen("report (phone)", page)

    # An officer without the key, and an analyst.
    page = workspace.signed_in(keyless)
    assert visit(page, f"/staff/reports/{reference}").status == 403
    assert heading(page) == "You cannot open reports yet"
    seen("report: cannot open", page)
    page = workspace.signed_in(analyst)
    assert visit(page, "/staff/reports/").status == 403
    assert heading(page) == "You cannot see this page"
    # In the staff layout: no "Exit this page", and a way back to their own account.
    assert page.locator(".govuk-exit-this-page").count() == 0
    assert page.locator("main").get_by_role("link", name="Go to your account").is_visible()
    seen("reports: 403 for an analyst", page)
    return visited


PAGES_TOURED = [
    "sign in",
    "sign in: error state",
    "your account",
    "change your password",
    "change your password: error state",
    "admin: accounts",
    "admin: invite someone",
    "admin: invite someone, error state",
    "admin: invitation created",
    "admin: one account",
    "admin: access to reports",
    "admin: audit log",
    "signed out",
    "invitation",
    "invitation: error state",
    "invitation: not valid",
    "reports",
    "reports: filtered",
    "reports: error state",
    "report",
    "report: message error state",
    "report: a message sent",
    "report: printable",
    "report not found",
    "reports: new since you last looked",
    "find: no such report",
    "find: not a reference",
    "reports: marked as seen",
    "reports (phone)",
    "report (phone)",
    "report: cannot open",
    "reports: 403 for an analyst",
]


class AxeAudit:
    """Runs axe on each page shown and keeps every violation, labelled by page."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.audited: list[str] = []
        self.violations: list[str] = []

    def __call__(self, label: str, page: Any) -> None:
        results = self.axe.run(page)
        self.audited.append(label)
        for violation in results.response["violations"]:
            targets = "\n".join(
                f"      {' '.join(map(str, node['target']))}: {node['html'][:200]}"
                for node in violation["nodes"]
            )
            self.violations.append(
                f"{label} ({page.url}):\n  {violation['id']} [{violation['impact']}] "
                f"{violation['help']} ({violation['helpUrl']})\n{targets}"
            )

    def assert_none(self) -> None:
        assert not self.violations, (
            f"{len(self.violations)} axe violation(s) on {len(self.audited)} pages:\n"
            + "\n".join(self.violations)
        )


@pytest.mark.browser
def test_axe_zero_violations_on_every_workspace_page(workspace: Workspace) -> None:
    audit = AxeAudit()
    assert tour(workspace, audit) == PAGES_TOURED
    assert audit.audited == PAGES_TOURED
    audit.assert_none()


@pytest.mark.browser
def test_workspace_has_no_csp_violations(workspace: Workspace) -> None:
    console: list[str] = []
    errors: list[str] = []
    requests: list[str] = []
    broken: list[str] = []  # scripts, styles, icons that did not load
    pages: list[Any] = []

    def watch(page: Any) -> None:
        pages.append(page)
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

    def check(label: str, page: Any) -> None:
        classes = page.evaluate("() => Array.from(document.body.classList)")
        assert "js-enabled" in classes and "govuk-frontend-supported" in classes, (label, classes)
        if label != "report: printable":  # a plain page: no scripts but the body classes
            assert page.evaluate(
                "() => Array.from(document.scripts).some(s => s.src.endsWith('/js/app.js'))"
            ), label

    workspace.watchers.append(watch)
    assert tour(workspace, check) == PAGES_TOURED

    csp = [line for line in console if "Content Security Policy" in line or "Refused to" in line]
    assert not csp, "\n".join(csp)
    assert not errors, "\n".join(errors)
    # Error states (400), the sealed page (403) and not-found pages (404) log "Failed to load
    # resource" too: those pages are checked through their responses in the tour instead.
    problems = [
        line
        for line in console
        if line.startswith(("error", "warning"))
        and "Failed to load resource: the server responded" not in line
    ]
    assert not problems, "\n".join(problems)
    assert not broken, "\n".join(broken)
    elsewhere = [url for url in requests if not url.startswith(f"{workspace.url}/")]
    assert not elsewhere, f"requests to other origins: {elsewhere}"

    # The listeners would have seen a violation: an inline script is refused and reported.
    page = pages[-1]
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            """() => {
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true';
            document.body.appendChild(script);
        }"""
        )
    assert page.evaluate("() => window.inlineRan") is None


# --- The workspace on a phone ---------------------------------------------------------------

NARROW = {"width": 320, "height": 720}
_OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, NARROW], ids=["375px", "320px"])
def test_report_list_fits_a_phone_screen(workspace: Workspace, viewport: dict[str, int]) -> None:
    """No sideways scrolling: every column of the list can be read on a phone."""
    insert_reports(
        workspace.app,
        [
            report_row(
                n,
                district="south-northamptonshire",
                reporter_type="someone-else",
                strands=("race", "sexual-orientation", "transgender"),
                status=("new", "in-review", "referred", "closed")[n % 4],
            )
            for n in range(30)
        ],
    )
    officer = workspace.user("officer", can_open_reports=True, name="Ola Officer-Nowakowska")
    page = workspace.signed_in(officer, viewport)
    for path in ("/staff/reports/", "/staff/reports/?page=2", "/staff/reports/?status=bogus"):
        visit(page, path)
        scroll_width, inner_width = page.evaluate(_OVERFLOW)
        assert scroll_width <= inner_width, (path, scroll_width, inner_width)
    visit(page, "/staff/reports/")
    # Every report is still there, and each one's details are readable.
    assert len(page.locator("main a[href^='/staff/reports/HC-']").all()) == 25
    first = main_text(page)
    for text in (
        "District: South Northamptonshire",
        "Reported by: Someone they know",
        "Sexual orientation",
        "Assigned to: nobody",
    ):
        assert text in first.replace("\n", " "), text


# --- The report page: key facts, history, closing as a duplicate (JavaScript on and off) ------


@pytest.mark.browser
def test_key_facts_history_and_closing_as_a_duplicate(workspace: Workspace) -> None:
    first, second = workspace.send_report("dupone"), workspace.send_report("duptwo")
    officer = workspace.user("officer", can_open_reports=True, name="Dee Dupe")
    audit = AxeAudit()
    page = workspace.signed_in(officer)
    visit(page, f"/staff/reports/{first}")
    card = page.locator("main .govuk-summary-card").first
    assert card.locator(".govuk-summary-card__title").inner_text().strip() == "Key facts"
    assert summary_value(page, "Share with the police") == "Yes, without their contact details"
    assert summary_value(page, "Still happening") == "It has happened before"

    # With JavaScript the reference field appears under "Duplicate of another report".
    field = page.locator("main").get_by_label("Reference of the report it duplicates")
    assert not field.is_visible()
    page.get_by_role("radio", name="Closed", exact=True).check()
    page.get_by_role("radio", name="Duplicate of another report", exact=True).check()
    assert field.is_visible()
    field.fill("hc-2222-2222")
    assert click(page, "Change status").status == 400
    assert error_messages(page) == ["There is no report with the reference HC-2222-2222"]
    assert field.is_visible() and field.input_value() == "hc-2222-2222"
    audit("report: duplicate reference error state", page)
    field.fill(second)
    assert click(page, "Change status").ok
    assert summary_value(page, "Duplicate of") == second
    history = page.locator("#history ~ ul").last.inner_text()
    assert f"Closed as a duplicate of {second} (Dee Dupe)" in history
    audit("report: closed as a duplicate", page)
    follow(page, second)
    assert summary_value(page, "Reports closed as duplicates of this one") == first
    audit("report: its duplicates", page)
    audit.assert_none()

    # Without JavaScript (the same officer, another browser window): a plain field.
    plain = workspace.open(java_script_enabled=False)
    plain.context.add_cookies(page.context.cookies())
    plain.goto(f"/staff/reports/{first}")

    def change_status() -> Any:
        with plain.expect_navigation() as navigation:
            plain.locator("main").get_by_role("button", name="Change status").click()
        return navigation.value

    plain.get_by_role("radio", name="In review", exact=True).check()
    assert change_status().ok
    keys = plain.locator("main .govuk-summary-list__key").all_inner_texts()
    assert "Duplicate of" not in [key.strip() for key in keys]
    field = plain.locator("main").get_by_label("Reference of the report it duplicates")
    assert field.is_visible()
    plain.get_by_role("radio", name="Closed", exact=True).check()
    plain.get_by_role("radio", name="Duplicate of another report", exact=True).check()
    assert change_status().status == 400
    assert error_messages(plain) == ["Enter the reference of the report this one duplicates"]
    plain.locator("main").get_by_label("Reference of the report it duplicates").fill(second)
    assert change_status().ok
    assert summary_value(plain, "Duplicate of") == second
