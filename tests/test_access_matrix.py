"""Who may open what: every endpoint of the app against every kind of visitor.

The routes come from ``app.url_map``, never from a list kept here, so an endpoint added
without an expectation in EXPECTED fails the matrix with its name. Each visitor gets one
client; every rule is requested with each method it accepts (GET and POST, a POST always
carrying a CSRF token the same client was given, so that access control, not CSRF, decides).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from reporting import access, centres
from reporting.db import database
from reporting.journey.questions import PAGES
from reporting.models import AuditEntry, Report, User

from .helpers import Reporter, full_answers
from .staff import StaffUser, client_for, create_user, signed_in_client

# --- Visitors and outcomes -------------------------------------------------------------------

ANONYMOUS, CENTRE, ANALYST, NO_GRANT, OFFICER, ADMIN = (
    "anonymous",
    "centre",
    "analyst",
    "officer-without-grant",
    "officer",
    "admin",
)
VISITORS = (ANONYMOUS, CENTRE, ANALYST, NO_GRANT, OFFICER, ADMIN)
# The account role each signed-in visitor has.
ROLE_OF = {
    CENTRE: "centre",
    ANALYST: "analyst",
    NO_GRANT: "officer",
    OFFICER: "officer",
    ADMIN: "admin",
}

OK = "ok"  # 2xx, a redirect that is not to sign-in, or a 4xx about the request's own content
SIGN_IN = "sign-in"  # 302 to /staff/sign-in
FORBIDDEN = "forbidden"  # 403, the generic page
SEALED = "sealed"  # 403, the review area's "You cannot open reports yet" page

SIGN_IN_PATH = "/staff/sign-in"
SEALED_TEXT = "You cannot open reports yet"
# 4xx answers caused by what was sent (a form that does not validate, an unknown object, a
# refused action, an expired draft) rather than by who sent it.
CONTENT_ERRORS = {400, 404, 409, 410}

# --- The expected matrix ---------------------------------------------------------------------

PUBLIC = dict.fromkeys(VISITORS, OK)
ANY_STAFF = {**dict.fromkeys(VISITORS, OK), ANONYMOUS: SIGN_IN}
ADMIN_ONLY = {**dict.fromkeys(VISITORS, FORBIDDEN), ANONYMOUS: SIGN_IN, ADMIN: OK}
CASEWORK = {
    ANONYMOUS: SIGN_IN,
    CENTRE: FORBIDDEN,
    ANALYST: FORBIDDEN,
    NO_GRANT: OK,
    OFFICER: OK,
    ADMIN: OK,
}
# Pages that open one report: an officer without the team key gets the "cannot open" page.
CASEWORK_SEALED = {**CASEWORK, NO_GRANT: SEALED}

EXPECTED: dict[str, dict[str, str]] = {
    "static": PUBLIC,
    # The reporting journey: anyone, signed in or not.
    "journey.index": PUBLIC,
    "journey.start": PUBLIC,
    "journey.question": PUBLIC,
    "journey.danger": PUBLIC,
    "journey.check": PUBLIC,
    "journey.sent": PUBLIC,
    "journey.confirm_receipt": PUBLIC,
    "journey.receipt_kept": PUBLIC,
    "journey.keep_alive": PUBLIC,
    "journey.exit_page": PUBLIC,
    "journey.privacy": PUBLIC,
    "journey.support": PUBLIC,
    "journey.find_centre": PUBLIC,
    # Check for replies: anyone may try a receipt; the session cookie, not a role, opens a report.
    "replies.check": PUBLIC,
    "replies.report": PUBLIC,
    "replies.send_message": PUBLIC,
    "replies.add_information": PUBLIC,
    "replies.change_sharing": PUBLIC,
    "replies.sign_out": PUBLIC,
    "replies.keep_alive": PUBLIC,
    "replies.signed_out": PUBLIC,
    # Email alerts: the receipt session's cookie, not a role, names the report.
    "replies.alert_settings": PUBLIC,
    "replies.save_alert": PUBLIC,
    "replies.stop_alerts": PUBLIC,
    # Signing in, and the invitation link, come before any session.
    "auth.sign_in": PUBLIC,
    # The staff front door: sign in, or on to where your role starts.
    "front.home": ANY_STAFF,
    "auth.signed_out": PUBLIC,
    "invitation.accept": PUBLIC,
    # Your own account: every role.
    "account.home": ANY_STAFF,
    "account.password": ANY_STAFF,
    "account.sign_out": ANY_STAFF,
    "account.sign_out_everywhere": ANY_STAFF,
    # The admin area.
    "admin.accounts": ADMIN_ONLY,
    "admin.invite": ADMIN_ONLY,
    "admin.access_to_reports": ADMIN_ONLY,
    "admin.audit": ADMIN_ONLY,
    "admin.account": ADMIN_ONLY,
    "admin.change_role": ADMIN_ONLY,
    "admin.disable": ADMIN_ONLY,
    "admin.enable": ADMIN_ONLY,
    "admin.unlock": ADMIN_ONLY,
    "admin.end_sessions": ADMIN_ONLY,
    "admin.grant": ADMIN_ONLY,
    "admin.revoke": ADMIN_ONLY,
    "admin.reinvite": ADMIN_ONLY,
    "admin.centres_list": ADMIN_ONLY,
    "admin.new_centre": ADMIN_ONLY,
    "admin.centre": ADMIN_ONLY,
    # The review workspace: the list is clear columns only; everything else opens a report.
    "review.reports": CASEWORK,
    # Clear columns only: the reference typed, and an officer's own seen mark.
    "review.find": CASEWORK,
    "review.mark_seen": CASEWORK,
    "review.report": CASEWORK_SEALED,
    "review.print_report": CASEWORK_SEALED,
    "review.change_status": CASEWORK_SEALED,
    "review.assign": CASEWORK_SEALED,
    "review.add_note": CASEWORK_SEALED,
    "review.message": CASEWORK_SEALED,
}

# Endpoints whose "ok" answer may (and for a GET must) show what the reporter wrote.
DECRYPTING = {
    "review.report",
    "review.print_report",
    "review.change_status",
    "review.assign",
    "review.add_note",
    "review.message",
}
# Run last: they end the visitor's session, which is then signed in again.
SESSION_ENDING = ("account.sign_out", "account.sign_out_everywhere")
EXERCISED_METHODS = ("GET", "POST")
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # Flask adds these; they take GET's path through access

MARKER = "Mq7x"  # in every free-text answer of the report (letters only: it goes in an email)
# The shape of secrets.token_urlsafe(32), as an invitation link carries, but issued to nobody.
UNKNOWN_TOKEN = "q3Yt9v0LkS2mWc8xZ1aB4nD6fH7jR5pE0uG2iK9oT3w"
_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


# --- The world every visitor meets -----------------------------------------------------------


@dataclass
class World:
    app: Flask
    reference: str  # a report sent through the journey, its answers carrying MARKER
    target_id: int  # an officer nobody signs in as: the subject of the admin buttons
    centre_id: int  # a reporting centre, listed
    users: dict[str, StaffUser]  # by visitor


def send_report(app: Flask) -> str:
    reporter = Reporter(client_for(app))
    reporter.start()
    reporter.answer_all(full_answers(MARKER))
    page = reporter.send().get_data(as_text=True)
    match = re.search(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", page)
    assert match, page[:2000]
    return match.group(0)


@pytest.fixture
def world(app: Flask, team: Any) -> World:
    users = {
        ADMIN: create_user(app, "admin", team_keys=team.private_keys),
        OFFICER: create_user(app, "officer", team_keys=team.private_keys),
        NO_GRANT: create_user(app, "officer"),
        ANALYST: create_user(app, "analyst"),
        CENTRE: create_user(app, "centre"),
    }
    target = create_user(app, "officer", name="Tara Target")
    return World(app, send_report(app), target.id, add_centre(app, users[ADMIN].id), users)


def add_centre(app: Flask, admin_id: int) -> int:
    details = centres.CentreDetails(
        name="Matrix Centre",
        kind="charity",
        districts=("corby",),
        address="1 High Street",
        opening_times="",
        phone="",
        email="",
        website="",
        languages="",
        accessibility="",
        help_offered="",
        listed=True,
        listing_checked_on=dt.date.today(),
        accredited_on=None,
    )
    with database(app).session() as db:
        admin = db.get(User, admin_id)
        assert admin is not None
        centre = centres.create_centre(db, details, actor=admin, today=dt.date.today())
        db.commit()
        return centre.id


def samples(world: World) -> dict[str, Any]:
    """A real value for each path argument the app's rules use, by argument name."""
    return {
        "slug": PAGES[1].slug,  # a journey page
        "reference": world.reference,  # an existing report
        "user_id": world.target_id,  # an existing account
        "centre_id": world.centre_id,  # an existing reporting centre
        "token": UNKNOWN_TOKEN,  # well-formed, unknown
        "filename": "css/app.css",  # a real static file
    }


def client_as(world: World, visitor: str) -> FlaskClient:
    if visitor == ANONYMOUS:
        return client_for(world.app)
    return signed_in_client(world.app, world.users[visitor])


def csrf_for(client: FlaskClient) -> str:
    """A CSRF token from the journey's start page, which every visitor may see."""
    page = client.get("/").get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, "the start page has no CSRF token"
    return match.group(1)


def classify(response: Any) -> str:
    code = response.status_code
    if code >= 500:
        return f"error {code}"
    if 300 <= code < 400:
        target = urlsplit(response.location or "")
        if target.netloc in ("", "localhost") and target.path == SIGN_IN_PATH:
            return SIGN_IN
        return OK
    if code == 403:
        return (
            SEALED if SEALED_TEXT in html.unescape(response.get_data(as_text=True)) else FORBIDDEN
        )
    if 200 <= code < 300 or code in CONTENT_ERRORS:
        return OK
    return f"status {code}"


def redirect_problem(world: World, visitor: str, response: Any) -> str | None:
    """An "ok" redirect must stay on the site (the exit button aside), on a page the visitor
    may open: never bounce someone into an area that would refuse them."""
    target = urlsplit(response.location or "")
    if target.scheme or target.netloc not in ("", "localhost"):
        if response.location == world.app.config["EXIT_URL"]:
            return None
        return f"redirects off the site, to {response.location}"
    try:
        endpoint, _ = world.app.url_map.bind("localhost").match(target.path, method="GET")
    except HTTPException:
        return f"redirects to {target.path}, which no GET route answers"
    row = EXPECTED.get(endpoint)
    if row is not None and row[visitor] != OK:
        return f"redirects to {target.path} ({endpoint}), which would be {row[visitor]}"
    return None


def check_response(
    world: World, visitor: str, rule: Rule, method: str, path: str, response: Any
) -> list[str]:
    """What is wrong with one answer, if anything."""
    expected = EXPECTED[rule.endpoint][visitor]
    got = classify(response)
    body = html.unescape(response.get_data(as_text=True))
    where = f"{method} {path} ({rule.endpoint})"
    problems = []
    if got != expected:
        problems.append(f"{where}: expected {expected}, got {got} ({response.status_code})")
    if MARKER in body and not (got == OK and rule.endpoint in DECRYPTING):
        problems.append(f"{where}: answered {response.status_code} with the report's text")
    # The page may link back to the address asked for (staff_base's "Stay signed in"),
    # but must say nothing else about the report.
    if got == FORBIDDEN and world.reference in body.replace(path, ""):
        problems.append(f"{where}: the forbidden page names the report")
    if got == OK and method == "GET" and rule.endpoint in DECRYPTING and MARKER not in body:
        problems.append(f"{where}: ok ({response.status_code}) but the report was not shown")
    if got == OK and 300 <= response.status_code < 400:
        problem = redirect_problem(world, visitor, response)
        if problem:
            problems.append(f"{where}: {problem}")
    if got == SIGN_IN and method == "GET":
        back_to = parse_qs(urlsplit(response.location).query).get("next", [""])[0]
        if back_to.rstrip("?") != path:
            problems.append(f"{where}: sign-in would not come back here (next={back_to!r})")
    return problems


def matrix_rules(app: Flask) -> list[Rule]:
    """Every rule; those that end the session last, so everything else runs signed in."""

    def order(rule: Rule) -> tuple[int, str, str]:
        last = SESSION_ENDING.index(rule.endpoint) + 1 if rule.endpoint in SESSION_ENDING else 0
        return last, rule.endpoint, rule.rule

    return sorted(app.url_map.iter_rules(), key=order)


# --- The tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_endpoint_for_every_role(world: World, visitor: str) -> None:
    app = world.app
    values = samples(world)
    client = client_as(world, visitor)
    problems: list[str] = []
    seen = set()

    for rule in matrix_rules(app):
        seen.add(rule.endpoint)
        expectation = EXPECTED.get(rule.endpoint)
        if expectation is None:
            problems.append(f"{rule.endpoint} ({rule.rule}) has no row in EXPECTED: add one")
            continue
        missing = rule.arguments - values.keys()
        if missing:
            problems.append(
                f"{rule.endpoint} ({rule.rule}): no sample value for {sorted(missing)}: "
                "add one to samples()"
            )
            continue
        unexercised = (rule.methods or set()) - IGNORED_METHODS - set(EXERCISED_METHODS)
        if unexercised:
            problems.append(f"{rule.endpoint} accepts {sorted(unexercised)}, never requested here")
        built = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)
        assert built is not None, rule.rule
        path = built[1]
        for method in EXERCISED_METHODS:
            if method not in (rule.methods or ()):
                continue
            if method == "POST":
                response = client.post(path, data={"csrf_token": csrf_for(client)})
            else:
                response = client.get(path)
            problems += check_response(world, visitor, rule, method, path, response)
            if rule.endpoint in SESSION_ENDING and visitor != ANONYMOUS:
                client = client_as(world, visitor)  # signed out: sign in again

    stale = set(EXPECTED) - seen
    if stale:
        problems.append(f"EXPECTED has rows for endpoints that no longer exist: {sorted(stale)}")
    assert not problems, f"as {visitor}:\n  " + "\n  ".join(problems)


def test_no_endpoint_is_left_undeclared(app: Flask) -> None:
    """Every blueprint is public or names its roles; the matrix above agrees with them."""
    problems = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in access.PUBLIC_ENDPOINTS:
            continue
        blueprint, _, _ = rule.endpoint.rpartition(".")
        declared = access.rules(app).get(blueprint)
        public = declared is not None and declared.public
        roles = declared.roles if declared is not None else None
        if not blueprint:
            problems.append(f"{rule.endpoint} ({rule.rule}) is outside every blueprint")
        elif public and roles:
            problems.append(f"blueprint {blueprint} is both public and for {sorted(roles)}")
        elif not public and not roles:
            problems.append(f"{rule.endpoint} ({rule.rule}): blueprint {blueprint} is undeclared")
        row = EXPECTED.get(rule.endpoint)
        if row is None:
            continue  # the matrix reports it
        if public and row != PUBLIC:
            problems.append(f"{rule.endpoint} is public, but EXPECTED says {row}")
        if roles:
            allowed = {ROLE_OF[v] for v, outcome in row.items() if outcome in (OK, SEALED)}
            if row[ANONYMOUS] != SIGN_IN or allowed != set(roles):
                problems.append(
                    f"{rule.endpoint} is for {sorted(roles)}, but EXPECTED lets in "
                    f"{sorted(allowed)} (anonymous: {row[ANONYMOUS]})"
                )
    assert not problems, "\n".join(problems)


NOT_REFERENCES = [
    "HC-2222-2222",  # well-formed, unknown
    "hc-2222-2223",  # well-formed once upper-cased, unknown
    "HC-0000-0000",  # letters outside the alphabet
    "HC-2222",
    "not-a-reference",
    "Q" * 300,
    "' OR '1'='1",
    "HC-2222-2222' OR 1=1 --",
    "1; DROP TABLE reports; --",
    '"; SELECT * FROM users; --',
    "HC-2222-2222\x00",
    "HC-２２２２-２２２２",  # full-width digits
    "%",
]


def _page(response: Any) -> str:
    text = html.unescape(response.get_data(as_text=True))
    main = text[text.index("<main") : text.index("</main>")]
    return _TOKEN.sub("", main)


def test_report_ids_that_do_not_exist_or_are_malformed_give_404(world: World) -> None:
    app = world.app
    client = client_as(world, OFFICER)
    pages = {}
    for candidate in NOT_REFERENCES:
        for suffix in ("", "/print"):
            path = f"/staff/reports/{quote(candidate, safe='')}{suffix}"
            response = client.get(path)
            assert response.status_code == 404, (candidate, suffix, response.status_code)
            page = _page(response)
            assert "Report not found" in page, candidate
            if len(candidate) > 5:
                assert candidate not in page, f"the page repeats {candidate!r}"
            pages[(candidate, suffix)] = page
    # One page for every case: nothing says whether the reference was unknown or malformed.
    assert len(set(pages.values())) == 1, {k: v[:300] for k, v in pages.items()}

    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(Report)) == 1
        reads = select(func.count()).where(AuditEntry.action == "report-read")
        assert db.scalar(reads) == 0
    # The same officer opens the real report, so the 404s above were not for everything.
    response = client.get(f"/staff/reports/{world.reference}")
    assert response.status_code == 200
    assert MARKER in response.get_data(as_text=True)
