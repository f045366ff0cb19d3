"""Any path a person takes through the staff workspace works: a stateful test (hypothesis).

Each example builds a fresh app on a copy of one prepared database (a team, one account per
role, two reports) and takes random steps through the test client as every kind of visitor:
signing in and out (right and wrong passwords, right, wrong, reused and non-ASCII codes),
the list's filters with sensible and nonsense values, opening reports, changing their status,
adding notes and inviting people. A small model says what each step should answer; after
every step the invariants hold: no 5xx, one h1 and the security headers on every page, no
page a role may not see, hostile text escaped wherever it is shown.

Authenticator codes and the wait after repeated failed sign-ins run on a fake clock (30
seconds on per sign-in, more when time passes), so no step waits for one; the model says when
an address must wait and what a sign-in then answers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock
from urllib.parse import unquote, urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, NotFound

from reporting import casework, create_app, keys, roles
from reporting.auth import lockout, signin, totp
from reporting.casework import actions
from reporting.db import database
from reporting.models import Report, User

from .helpers import EXPECTED_CSP, base_config, csrf_token, send_report
from .staff import StaffUser, client_for, create_user

ROLES = roles.ALL
VISITORS = (*ROLES, "anonymous")
MARKER = "Sp4z"  # in every free-text answer of the prepared reports
# Inside a 30-second step with 25 seconds left: StaffUser.next_code's first choice then stays
# the step before, and every sign-in (30 seconds on) has an unused code.
START = 1_900_000_005.0
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>\u202eevil\u2066 & "q"'
RAW_HOSTILE = ("<script>alert(", "<img src=x onerror")
ESCAPED_HOSTILE = "&lt;script&gt;alert("
STATUSES = [code for code, _ in casework.STATUSES]
CLOSE_REASONS = [code for code, _ in casework.CLOSE_REASONS]

# Who may open what (the oracle: tests/test_access_matrix.py checks it endpoint by endpoint).
AREAS = (("/staff/reports", {"officer", "admin"}), ("/staff/admin", {"admin"}))
PUBLIC = ("/staff/sign-in", "/staff/signed-out", "/staff/invitation")


def sqlite_config(folder: Path) -> dict[str, Any]:
    """Always SQLite, also in the PostgreSQL run: every example starts from a copy of one
    prepared file, which is what keeps hundreds of examples fast (PostgreSQL is covered by
    the rest of the suite)."""
    return {**base_config(folder), "DATABASE_URL": f"sqlite:///{folder}/reporting.sqlite3"}


@dataclass
class Prepared:
    database: Path
    users: dict[str, StaffUser]
    # Reference to the reporter's answer to "Can we share this report with the police?"
    reports: dict[str, str]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Prepared:
    folder = tmp_path_factory.mktemp("staff-paths")
    shutil.copyfile(migrated_sqlite, folder / "reporting.sqlite3")
    app = create_app(sqlite_config(folder))
    with database(app).session() as db:
        team = keys.create_team(db, slug="review", name="Review team", today=dt.date.today())
        db.commit()
        team_keys = {team.team_key.key_id: team.private_key}
    users = {
        role: create_user(app, role, team_keys=team_keys if role in ("admin", "officer") else None)
        for role in ROLES
    }
    reports = {}
    for sharing in ("without-details", "no"):
        answers = {"share_with_police": sharing, "share_with_support": "yes"}
        reports[send_report(app, MARKER, sharing=answers)] = sharing
    engine = database(app).engine
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return Prepared(folder / "reporting.sqlite3", users, reports)


class Clock:
    """Stands in for the ``time`` module where authenticator codes are checked."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def may_open(role: str | None, path: str) -> bool:
    if path.startswith(PUBLIC):
        return True
    if role is None:
        return False
    for prefix, allowed in AREAS:
        if path.startswith(prefix):
            return role in allowed
    return True  # the rest of /staff: any signed-in role


class StaffPaths(RuleBasedStateMachine):
    prepared: ClassVar[Prepared]

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="staff-paths-"))
        shutil.copyfile(self.prepared.database, self.folder / "reporting.sqlite3")
        self.app: Flask = create_app(sqlite_config(self.folder))
        self.clock = Clock(START)
        self.patches = [mock.patch.object(m, "time", self.clock) for m in (totp, signin)]
        for patch in self.patches:
            patch.start()
        self.clients = {who: client_for(self.app) for who in VISITORS}
        self.users = {
            r: dataclasses.replace(u, last_step=None) for r, u in self.prepared.users.items()
        }
        self.signed_in: dict[str, bool] = dict.fromkeys(VISITORS, False)
        self.failures = dict.fromkeys(ROLES, 0)  # the account's failed sign-ins
        self.address_failures = dict.fromkeys(ROLES, 0)  # the email address's, for the wait
        self.wrong_codes = dict.fromkeys(ROLES, 0)
        self.wait_until = dict.fromkeys(ROLES, 0.0)
        self.statuses = dict.fromkeys(self.prepared.reports, "new")
        # Which report each one is closed as a duplicate of (None: not one).
        self.duplicate_of: dict[str, str | None] = dict.fromkeys(self.prepared.reports)
        self.emails = itertools.count(1)
        self.seen: list[tuple[str, str, Any]] = []

    def teardown(self) -> None:
        for patch in self.patches:
            patch.stop()
        database(self.app).engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- Requests, each one checked by the invariants ---------------------------------------

    def role(self, who: str) -> str | None:
        return who if who != "anonymous" and self.signed_in[who] else None

    def get(self, who: str, path: str) -> Any:
        response = self.clients[who].get(path)
        self.seen.append((who, path, response))
        return response

    def post(self, who: str, path: str, data: dict[str, str]) -> Any:
        token = csrf_token(self.get(who, "/staff/sign-in").get_data(as_text=True))
        response = self.clients[who].post(path, data={"csrf_token": token, **data})
        self.seen.append((who, path, response))
        return response

    def routed(self, path: str) -> bool:
        try:
            self.app.url_map.bind("localhost").match(unquote(path.split("?")[0]), method="GET")
        except HTTPException as error:
            return not isinstance(error, NotFound)
        return True

    def expect_refused(self, who: str, path: str, response: Any) -> bool:
        """True (and checked) if ``who`` may not use ``path``; False if they may."""
        role = self.role(who)
        if not self.routed(path):
            assert response.status_code == 404, (who, path, response.status_code)
            return True  # nothing there, for anyone
        if may_open(role, path):
            return False
        if role is None:
            assert response.status_code == 302, (who, path, response.status_code)
            assert response.location.startswith("/staff/sign-in"), response.location
        else:
            assert response.status_code == 403, (who, path, response.status_code)
        return True

    # --- Signing in and out ------------------------------------------------------------------

    @initialize(roles=st.sets(st.sampled_from(ROLES), min_size=1))
    def some_are_signed_in(self, roles: set[str]) -> None:
        """Start with a few people signed in, so most steps are taken signed in."""
        for role in sorted(roles):
            self.sign_in(role, right_password=True, code="right")

    @rule(
        who=st.sampled_from(ROLES),
        right_password=st.booleans(),
        code=st.sampled_from(
            ["right", "right", "wrong", "reused", "arabic", "fullwidth", "", "12ab56"]
        ),
    )
    def sign_in(self, who: str, right_password: bool, code: str) -> None:
        user = self.users[who]
        if self.wrong_codes[who] >= lockout.LOCK_AFTER_WRONG_CODES - 1 and right_password:
            code = "right"  # never lock the account: keep walking
        if code == "reused" and user.last_step is None:
            code = "right"
        waiting = self.clock.now < self.wait_until[who]
        if code in ("right", "arabic", "fullwidth"):
            self.clock.now += totp.STEP_SECONDS
            waiting = self.clock.now < self.wait_until[who]
            last_used = user.last_step
            typed = user.next_code(now=self.clock.now)
            if not right_password or waiting:
                user.last_step = last_used  # the server never saw it used
            offset = {"right": 0, "arabic": 0x660 - 0x30, "fullwidth": 0xFF10 - 0x30}[code]
            typed = "".join(chr(ord(d) + offset) for d in typed)
        elif code == "reused":
            typed = totp.code_at(user.totp_secret, user.last_step * totp.STEP_SECONDS)  # type: ignore[operator]
        elif code == "wrong":
            valid = {totp.code_at(user.totp_secret, self.clock.now + d) for d in (-30, 0, 30)}
            typed = next(c for c in ("000000", "111111", "222222") if c not in valid)
        else:
            typed = code
        password = user.password if right_password else "not the password at all"
        response = self.post(
            who, "/staff/sign-in", {"email": user.email, "password": password, "code": typed}
        )
        html = response.get_data(as_text=True)
        if not typed:
            assert response.status_code == 400 and "Enter the code" in html
        elif totp.normalise_code(typed) is None:
            # Refused before anything is checked, waiting or not: nothing counted.
            assert response.status_code == 400 and "Enter the code as 6 digits" in html
        elif waiting:
            # Nothing is checked while the address waits, and nothing is counted.
            assert response.status_code == 429, html[:3000]
            assert "Too many attempts to sign in to this account" in html
            assert "The email address, password or code is not right" not in html
        elif right_password and code in ("right", "arabic", "fullwidth"):
            assert response.status_code == 302, html[:3000]
            start = "/staff/reports/" if who in ("admin", "officer") else "/staff/account/"
            assert response.location == start
            self.signed_in[who] = True
            self.failures[who] = self.address_failures[who] = self.wrong_codes[who] = 0
        elif right_password and code == "reused" and self.in_window(user.last_step):
            assert response.status_code == 400
            assert "That code has just been used" in html
        else:
            self.failures[who] += 1
            self.address_failures[who] += 1
            self.wrong_codes[who] += 1 if right_password else 0
            wait = lockout.wait_for(self.address_failures[who])
            assert "just been used" not in html
            if wait is None:
                assert response.status_code == 400
                assert "The email address, password or code is not right" in html
            else:
                assert response.status_code == 429
                assert response.headers["Retry-After"] == str(int(wait.total_seconds()))
                assert "Too many attempts to sign in to this account" in html
                self.wait_until[who] = self.clock.now + wait.total_seconds()

    @rule(
        who=st.sampled_from(ROLES),
        times=st.integers(1, 7),
        code=st.sampled_from(["wrong", "right"]),
    )
    def someone_guesses(self, who: str, times: int, code: str) -> None:
        """Someone else tries passwords on the account: it waits, never locks or signs out."""
        for _ in range(times):
            self.sign_in(who, right_password=False, code=code)

    @rule(seconds=st.sampled_from([5, 30, 120, 900]))
    def time_passes(self, seconds: int) -> None:
        self.clock.now += seconds

    def in_window(self, step: int | None) -> bool:
        """Whether a code of ``step`` is one the server would take now, if unused."""
        current = int(self.clock.now) // totp.STEP_SECONDS
        return step is not None and current - 1 <= step <= current + 1

    @rule(who=st.sampled_from(VISITORS))
    def sign_out(self, who: str) -> None:
        response = self.post(who, "/staff/account/sign-out", {})
        assert response.status_code == 302
        expected = "/staff/signed-out" if self.role(who) else "/staff/sign-in"
        assert response.location == expected
        self.signed_in[who] = False

    @rule(who=st.sampled_from(VISITORS), path=st.sampled_from(["/staff", "/staff/account/"]))
    def front_door(self, who: str, path: str) -> None:
        response = self.get(who, path)
        if self.role(who) is None:
            assert response.status_code == 302 and "/staff/sign-in" in response.location
        elif path == "/staff":
            start = "reports" if who in ("admin", "officer") else "account"
            assert response.location == f"/staff/{start}/"

    # --- The list ----------------------------------------------------------------------------

    @rule(
        who=st.sampled_from(VISITORS),
        status=st.sampled_from(["", "new", "closed", "bogus", "<script>alert(1)</script>"]),
        district=st.sampled_from(["", "kettering", "atlantis", "\u202ekettering"]),
        strand=st.sampled_from(["", "race", "martian"]),
        page=st.sampled_from(["", "1", " 1 ", "2", "0", "-1", "99999999999", "abc", "\u0661"]),
    )
    def list_reports(self, who: str, status: str, district: str, strand: str, page: str) -> None:
        query = {"status": status, "district": district, "strand": strand, "page": page}
        path = "/staff/reports/?" + urlencode({k: v for k, v in query.items() if v})
        response = self.get(who, path)
        if self.expect_refused(who, path, response):
            return
        valid = (
            status in ("", *STATUSES)
            and district in ("", "kettering")
            and strand in ("", "race")
            and page.strip() in ("", "1")
        )
        assert response.status_code == (200 if valid else 400), (path, response.status_code)

    # --- One report --------------------------------------------------------------------------

    def reference(self, index: int) -> str:
        return sorted(self.statuses)[index % len(self.statuses)]

    @rule(
        who=st.sampled_from(VISITORS),
        which=st.sampled_from(["known", "lower", "unknown", "malformed", "dots"]),
        index=st.integers(0, 1),
        printable=st.booleans(),
    )
    def open_report(self, who: str, which: str, index: int, printable: bool) -> None:
        known = self.reference(index)
        reference = {
            "known": known,
            "lower": known.lower(),
            "unknown": "HC-2222-2222",
            "malformed": "HC-<b>-\u202e",
            "dots": "..%2f..%2fadmin",
        }[which]
        path = f"/staff/reports/{reference}" + ("/print" if printable else "")
        response = self.get(who, path)
        if self.expect_refused(who, path, response):
            return
        html = response.get_data(as_text=True)
        if which in ("known", "lower"):
            assert response.status_code == 200 and MARKER in html
            main = html[html.index("<main") : html.index("</main>")]
            sharing = self.prepared.reports[known]
            if printable and sharing == "without-details":
                assert f"person{MARKER}@example.org" not in main and f"Sam {MARKER}name" not in main
            if printable and sharing == "no":
                assert "must not be passed to the police" in main
        else:
            assert response.status_code == 404

    @rule(
        who=st.sampled_from(VISITORS),
        index=st.integers(0, 1),
        new_status=st.sampled_from([*STATUSES, "", "bogus"]),
        reason=st.sampled_from(["", "duplicate", "resolved", "bogus"]),
        duplicate_of=st.sampled_from(["", "other", "itself", "HC-2222-2222", "<b>\u202e"]),
    )
    def change_status(
        self, who: str, index: int, new_status: str, reason: str, duplicate_of: str
    ) -> None:
        reference = self.reference(index)
        other = self.reference(index + 1)
        current = self.statuses[reference]
        typed = {"other": other, "itself": reference}.get(duplicate_of, duplicate_of)
        data = {
            "new_status": new_status,
            "close_reason": reason,
            "expected": current,
            "duplicate_of": typed,
        }
        path = f"/staff/reports/{reference}/status"
        response = self.post(who, path, {k: v for k, v in data.items() if v})
        if self.expect_refused(who, path, response):
            return
        allowed = (
            new_status in actions.allowed_next(current)
            and reason != "bogus"
            and (new_status != "closed" or reason in CLOSE_REASONS)
            # A duplicate names another report that is not already a duplicate of this one.
            and (
                new_status != "closed"
                or reason != "duplicate"
                or (duplicate_of == "other" and self.duplicate_of[other] != reference)
            )
        )
        assert response.status_code == (302 if allowed else 400), (current, data)
        if allowed:
            self.statuses[reference] = new_status
            closing_as_duplicate = new_status == "closed" and reason == "duplicate"
            self.duplicate_of[reference] = other if closing_as_duplicate else None

    @rule(
        who=st.sampled_from(VISITORS),
        index=st.integers(0, 1),
        text=st.sampled_from(
            ["", "   \r\n ", "x" * (actions.NOTE_MAX + 1), HOSTILE, "Called back."]
        ),
    )
    def add_note(self, who: str, index: int, text: str) -> None:
        reference = self.reference(index)
        path = f"/staff/reports/{reference}/notes"
        response = self.post(who, path, {"note": text})
        if self.expect_refused(who, path, response):
            return
        if text.strip() and len(text) <= actions.NOTE_MAX:
            assert response.status_code == 302
            page = self.get(who, f"/staff/reports/{reference}").get_data(as_text=True)
            if text == HOSTILE:
                assert ESCAPED_HOSTILE in page and "\u202eevil" in page
        else:
            assert response.status_code == 400
            assert ("Enter the note" in response.get_data(as_text=True)) == (not text.strip())

    # --- Inviting people ---------------------------------------------------------------------

    @rule(
        who=st.sampled_from(VISITORS),
        name=st.sampled_from(["Nia Officer", HOSTILE, "", "   ", "N" * 121]),
        email=st.sampled_from(["new", "taken", "not-an-email", ""]),
        role=st.sampled_from([*ROLES, "superuser", ""]),
    )
    def invite(self, who: str, name: str, email: str, role: str) -> None:
        address = {
            "new": f"new{next(self.emails)}@example.org",
            "taken": self.users["officer"].email.upper(),
            "not-an-email": "<b>nobody",
            "": "",
        }[email]
        path = "/staff/admin/invite"
        response = self.post(who, path, {"name": name, "email": address, "role": role})
        if self.expect_refused(who, path, response):
            return
        valid = bool(name.strip()) and len(name) <= 120 and email == "new" and role in ROLES
        # A centre account needs its centre, and none is chosen here (this workspace has no
        # centre): refused with an error. tests/test_centre_staff.py invites one with it.
        valid = valid and role != "centre"
        assert response.status_code == (200 if valid else 400), (name, address, role)
        if valid and name == HOSTILE:
            accounts = self.get(who, "/staff/admin/").get_data(as_text=True)
            assert ESCAPED_HOSTILE in accounts

    @rule(
        who=st.sampled_from(VISITORS),
        action=st.sampled_from(["", "signed-in", "no-such-action", HOSTILE]),
        actor=st.sampled_from(["", "admin1@example.org", "x" * 300, HOSTILE]),
        page=st.sampled_from(["", "1", "-5", "99999999999999999999", "two"]),
    )
    def audit_log(self, who: str, action: str, actor: str, page: str) -> None:
        query = {"action": action, "actor": actor, "page": page}
        path = "/staff/admin/audit?" + urlencode({k: v for k, v in query.items() if v})
        response = self.get(who, path)
        if self.expect_refused(who, path, response):
            return
        assert response.status_code in (200, 400), path

    @rule(who=st.sampled_from(VISITORS), user_id=st.sampled_from(["1", "4", "999", "2147483648"]))
    def admin_account_page(self, who: str, user_id: str) -> None:
        path = f"/staff/admin/accounts/{user_id}"
        response = self.get(who, path)
        if self.expect_refused(who, path, response):
            return
        assert response.status_code == (200 if user_id in ("1", "4") else 404), path

    # --- After every step --------------------------------------------------------------------

    @invariant()
    def every_answer_was_sound(self) -> None:
        for who, path, response in self.seen:
            where = f"{who} {path} {response.status_code}"
            assert response.status_code < 500, where
            assert response.headers["Content-Security-Policy"] == EXPECTED_CSP, where
            assert response.headers["X-Frame-Options"] == "DENY", where
            assert response.headers["X-Content-Type-Options"] == "nosniff", where
            assert response.headers["Referrer-Policy"] == "no-referrer", where
            assert response.headers["Cache-Control"] == "no-store", where
            if response.mimetype == "text/html":
                html = response.get_data(as_text=True)
                assert html.count("<h1") == 1, where
                assert not any(raw in html for raw in RAW_HOSTILE), where
                if not may_open(self.role(who), path) or response.status_code == 403:
                    assert MARKER not in html, where
        self.seen.clear()

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        with database(self.app).session() as db:
            stored = {
                ref: status for ref, status in db.execute(select(Report.reference, Report.status))
            }
            ids = dict(db.execute(select(Report.id, Report.reference)).all())
            duplicates = {
                ref: ids.get(of)
                for ref, of in db.execute(select(Report.reference, Report.duplicate_of_id))
            }
            failures = {
                email: (n, wrong)
                for email, n, wrong in db.execute(
                    select(User.email, User.failed_sign_ins, User.wrong_code_sign_ins)
                )
            }
            locked = db.scalars(select(User.email).where(User.locked)).all()
        assert stored == self.statuses
        assert duplicates == self.duplicate_of
        for role, user in self.users.items():
            assert failures[user.email] == (self.failures[role], self.wrong_codes[role]), role
        assert not locked


def test_any_path_through_the_staff_workspace(prepared: Prepared) -> None:
    StaffPaths.prepared = prepared
    run_state_machine_as_test(
        StaffPaths,
        settings=settings(
            max_examples=40,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
