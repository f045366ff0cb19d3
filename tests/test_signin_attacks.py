"""Sign-in as an attacker tries it: oracles, lock-outs, lost counts, body types, races.

Codes and waits run on a fake clock (``clock``), so no test sleeps.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from reporting.auth import lockout, signin, totp
from reporting.db import database
from reporting.models import AuditEntry, SignInThrottle, User

from .helpers import csrf_token
from .staff import (
    PASSWORD,
    SIGN_IN_ERROR_TEXT,
    client_for,
    make_officer,
    sign_in_with,
    staff_cookie,
)

WRONG = "not the password at all"


class Clock:
    """Stands in for the ``time`` module where codes and waits are worked out."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock()
    with mock.patch.object(signin, "time", fake), mock.patch.object(totp, "time", fake):
        yield fake


def summary(response: Any) -> str:
    html = response.get_data(as_text=True)
    found = re.search(r'class="govuk-error-summary"[^>]*>(.*?)</ul>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def account(app: Flask, email: str = "officer@example.org") -> User:
    with database(app).session() as db:
        user = db.scalar(select(User).where(User.email == email))
        assert user is not None
        return user


def audit_count(app: Flask) -> int:
    with database(app).session() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def set_account(app: Flask, **values: Any) -> None:
    with database(app).session() as db:
        db.execute(update(User).values(**values))
        db.commit()


# --- M-1: a badly typed code answers the same whatever the password -------------------------

ODD_CODES = ["\u00b2" * 6, "1234567", "12345", "12a456", "①②③④⑤⑥", "", "   ", "½23456"]


@pytest.mark.parametrize("state", ["active", "locked", "disabled"])
def test_a_badly_typed_code_answers_the_same_whatever_the_password(app, clock, state) -> None:
    secret, _ = make_officer(app)
    if state != "active":
        set_account(app, **{state: True})
    for code in ODD_CODES:
        answers = []
        for password in (PASSWORD, WRONG):
            before = audit_count(app)
            response = sign_in_with(client_for(app), secret=secret, password=password, code=code)
            user = account(app)
            answers.append(
                (
                    response.status_code,
                    summary(response),
                    user.failed_sign_ins,
                    user.wrong_code_sign_ins,
                    audit_count(app) - before,
                )
            )
        right, wrong = answers
        assert right == wrong, (state, code)
        status, text, failures, wrong_codes, audited = right
        assert status == 400, code
        expected = "Enter the code from your authenticator app" if not code.strip() else None
        assert text == f"There is a problem {expected or 'Enter the code as 6 digits, like 123456'}"
        # Refused before the password was looked at: nothing counted, nothing to audit.
        assert (failures, wrong_codes, audited) == (0, 0, 0), code


DIGITS = {"Arabic-Indic": 0x660, "Extended Arabic-Indic": 0x6F0, "Devanagari": 0x966}
DIGITS |= {"Bengali": 0x9E6, "full-width": 0xFF10, "Thai": 0xE50}


def in_script(code: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in code)


@pytest.mark.parametrize("script", sorted(DIGITS))
def test_codes_in_any_scripts_digits_are_read_as_digits(app, clock, script) -> None:
    secret, _ = make_officer(app)
    code = in_script(totp.code_at(secret, clock.now), DIGITS[script])
    wrong = sign_in_with(client_for(app), secret=secret, password=WRONG, code=code)
    assert wrong.status_code == 400 and SIGN_IN_ERROR_TEXT in summary(wrong)
    assert account(app).failed_sign_ins == 1
    wrong_code = in_script("000000" if code != "000000" else "111111", DIGITS[script])
    refused = sign_in_with(client_for(app), secret=secret, code=wrong_code)
    assert refused.status_code == 400 and summary(refused) == summary(wrong)
    assert account(app).failed_sign_ins == 2
    spaced = code[:3] + " " + code[3:]
    assert sign_in_with(client_for(app), secret=secret, code=spaced).status_code == 302
    assert account(app).failed_sign_ins == 0


# --- M-4: wrong passwords make people wait; they never lock anyone out ----------------------


def test_wrong_passwords_make_the_address_wait_and_never_lock(app, clock) -> None:
    secret, _ = make_officer(app)
    statuses = [
        sign_in_with(client_for(app), secret=secret, password=WRONG).status_code
        for _ in range(lockout.FREE_FAILURES - 1)
    ]
    assert statuses == [400] * (lockout.FREE_FAILURES - 1)
    fifth = sign_in_with(client_for(app), secret=secret, password=WRONG)
    assert fifth.status_code == 429 and fifth.headers["Retry-After"] == "30"
    waiting = "Too many attempts to sign in to this account. Wait 30 seconds, then try again"
    assert waiting in summary(fifth)
    # While it waits, nothing is checked: the right password and code get the same page.
    right = sign_in_with(client_for(app), secret=secret, when=clock.now)
    assert right.status_code == 429 and summary(right) == summary(fifth)
    assert "__Host-staff" not in " ".join(right.headers.getlist("Set-Cookie"))
    clock.now += 30
    # Each failure after that doubles the wait.
    sixth = sign_in_with(client_for(app), secret=secret, password=WRONG)
    assert sixth.status_code == 429 and sixth.headers["Retry-After"] == "60"
    assert "Wait 1 minute, then try again" in summary(sixth)
    clock.now += 60
    for _ in range(10):
        clock.now += int(
            sign_in_with(client_for(app), secret=secret, password=WRONG).headers["Retry-After"]
        )
    assert (
        sign_in_with(client_for(app), secret=secret, password=WRONG).headers["Retry-After"] == "900"
    )
    user = account(app)
    assert not user.locked and user.failed_sign_ins == lockout.FREE_FAILURES + 12
    # Once the wait is over the right password and code work, and the count starts afresh.
    clock.now += 900
    assert sign_in_with(client_for(app), secret=secret, when=clock.now).status_code == 302
    assert account(app).failed_sign_ins == 0
    assert sign_in_with(client_for(app), secret=secret, password=WRONG).status_code == 400


def test_an_address_without_an_account_waits_exactly_the_same(app, clock) -> None:
    secret, _ = make_officer(app)
    answers: dict[str, list[tuple[int, str, str | None]]] = {}
    for email in ("officer@example.org", "nobody@example.org"):
        answers[email] = []
        for _ in range(lockout.FREE_FAILURES + 1):
            response = sign_in_with(client_for(app), email=email, secret=secret, password=WRONG)
            answer = (response.status_code, summary(response), response.headers.get("Retry-After"))
            answers[email].append(answer)
    assert answers["officer@example.org"] == answers["nobody@example.org"]
    assert answers["nobody@example.org"][-1][0] == 429
    with database(app).session() as db:
        keys = db.scalars(select(SignInThrottle.key)).all()
    # The table names nobody: the addresses are not in it.
    assert len(keys) == 2 and not any("example" in key for key in keys)


def test_failures_by_someone_else_never_end_a_persons_sessions(app, clock) -> None:
    secret, _ = make_officer(app, role="admin")
    victim = client_for(app)
    assert sign_in_with(victim, secret=secret, when=clock.now).status_code == 302
    for _ in range(30):
        response = sign_in_with(client_for(app), secret=secret, password=WRONG)
        clock.now += int(response.headers.get("Retry-After", 0))
    # Someone with the password but not the authenticator, until the account locks.
    for _ in range(lockout.LOCK_AFTER_WRONG_CODES):
        response = sign_in_with(client_for(app), secret=secret, code="000000")
        clock.now += int(response.headers.get("Retry-After", 0))
    assert account(app).locked
    assert victim.get("/staff/account/").status_code == 200
    assert victim.get("/staff/admin/").status_code == 200


def test_right_password_wrong_code_locks_and_the_command_unlocks(app, clock) -> None:
    secret, _ = make_officer(app)
    for _ in range(lockout.LOCK_AFTER_WRONG_CODES):
        valid = {totp.code_at(secret, clock.now + d) for d in (-30, 0, 30)}
        wrong = next(c for c in ("000000", "111111", "222222") if c not in valid)
        response = sign_in_with(client_for(app), secret=secret, code=wrong)
        assert response.status_code in (400, 429)
        clock.now += int(response.headers.get("Retry-After", 0))
    user = account(app)
    assert user.locked and user.wrong_code_sign_ins == lockout.LOCK_AFTER_WRONG_CODES
    clock.now += totp.STEP_SECONDS
    locked = sign_in_with(client_for(app), secret=secret, when=clock.now)
    # Checked and refused, and a failure like any other (the sixth: a wait starts).
    assert locked.status_code == 429 and "Too many attempts" in summary(locked)
    assert "__Host-staff" not in " ".join(locked.headers.getlist("Set-Cookie"))
    with database(app).session() as db:
        actions = db.scalars(select(AuditEntry.action)).all()
    assert actions.count("account-locked") == 1

    runner = app.test_cli_runner()
    missing = runner.invoke(args=["accounts", "unlock", "--email", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account" in missing.output
    done = runner.invoke(args=["accounts", "unlock", "--email", " Officer@Example.org "])
    assert done.exit_code == 0, done.output
    assert "Unlocked officer@example.org" in done.output
    user = account(app)
    assert (user.locked, user.failed_sign_ins, user.wrong_code_sign_ins) == (False, 0, 0)
    with database(app).session() as db:
        entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert db.scalar(select(func.count()).select_from(SignInThrottle)) == 0
    assert entry.action == "account-unlocked" and entry.subject == f"user:{user.id}"
    assert '"via":"command line"' in entry.details and '"was_locked":true' in entry.details
    clock.now += totp.STEP_SECONDS
    assert sign_in_with(client_for(app), secret=secret, when=clock.now).status_code == 302


def test_wrong_passwords_alone_never_lock_an_account(app, clock) -> None:
    secret, _ = make_officer(app)
    for _ in range(40):
        response = sign_in_with(client_for(app), secret=secret, password=WRONG, code="000000")
        clock.now += int(response.headers.get("Retry-After", 0))
    user = account(app)
    assert not user.locked and user.wrong_code_sign_ins == 0
    assert sign_in_with(client_for(app), secret=secret, when=clock.now).status_code == 302


# --- L-1: failures at the same moment are all counted ---------------------------------------


def test_concurrent_wrong_passwords_are_all_counted(app) -> None:
    make_officer(app)
    attempts = 12
    start = threading.Barrier(attempts)
    errors: list[BaseException] = []

    def guess() -> None:
        try:
            start.wait()
            with database(app).sessionmaker() as db:
                signin.sign_in(
                    db,
                    email="officer@example.org",
                    password=WRONG,
                    code="000000",
                    password_kdf=app.config["PASSWORD_KDF"],
                    secret_key=app.config["SECRET_KEY"],
                )
        except signin.SignInFailed:
            pass
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    # Every guess is counted before any wait starts.
    with mock.patch.object(lockout, "FREE_FAILURES", 100):
        threads = [threading.Thread(target=guess) for _ in range(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert account(app).failed_sign_ins == attempts
    with database(app).session() as db:
        assert db.scalar(select(SignInThrottle.failures)) == attempts


# --- L-2: the per-account limit, whatever the body ------------------------------------------


def _post(client: Any, body: str, email: str) -> int:
    token = csrf_token(client.get("/staff/sign-in").get_data(as_text=True))
    fields = {"email": email, "password": WRONG, "code": "000000"}
    if body == "form":
        response = client.post("/staff/sign-in", data={"csrf_token": token, **fields})
    elif body == "multipart":
        response = client.post(
            "/staff/sign-in",
            data={"csrf_token": token, **fields},
            content_type="multipart/form-data",
        )
    elif body == "json":
        response = client.post("/staff/sign-in", json=fields, headers={"X-CSRFToken": token})
    else:
        response = client.post("/staff/sign-in", query_string=fields, data={"csrf_token": token})
    return response.status_code


BODIES = ["form", "multipart", "json", "query"]


@pytest.mark.parametrize("spent_by", BODIES)
def test_the_per_account_limit_applies_to_every_body_type(make_app, spent_by) -> None:
    app = make_app(RATELIMIT_SIGN_IN="2 per minute")
    make_officer(app)
    networks = iter(range(100))

    def client() -> Any:
        fresh = client_for(app)
        fresh.environ_base["REMOTE_ADDR"] = f"198.51.{next(networks)}.1"
        return fresh

    assert [_post(client(), spent_by, "officer@example.org") for _ in range(2)] == [400, 400]
    for body in BODIES:
        assert _post(client(), body, "officer@example.org") == 429, (spent_by, body)
        # Another account has its own budget.
        assert _post(client(), body, f"{body}@example.org") == 400, (spent_by, body)


@pytest.mark.parametrize(
    "body", [[1, 2], "officer@example.org", 5, None, {"email": 5, "password": [1], "code": {}}]
)
def test_odd_json_bodies_get_a_plain_refusal(app, body) -> None:
    client = client_for(app)
    token = csrf_token(client.get("/staff/sign-in").get_data(as_text=True))
    response = client.post("/staff/sign-in", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "Enter your email address" in summary(response)


# --- L-3: one code, two sign-ins at the same moment -----------------------------------------


def test_two_sign_ins_with_one_code_at_once_only_one_gets_in(app, clock) -> None:
    secret, _ = make_officer(app)
    code = totp.code_at(secret, clock.now)
    both_checked = threading.Barrier(2, timeout=10)
    real = totp.matching_step

    def matching_step(*args: Any, **kwargs: Any) -> int | None:
        step = real(*args, **kwargs)
        both_checked.wait()  # both have seen the code unused before either goes on
        return step

    clients = [client_for(app), client_for(app)]
    pages = [c.get("/staff/sign-in").get_data(as_text=True) for c in clients]
    statuses: list[int] = []

    def attempt(client: Any, page: str) -> None:
        fields = {"email": "officer@example.org", "password": PASSWORD, "code": code}
        response = client.post("/staff/sign-in", data={"csrf_token": csrf_token(page), **fields})
        statuses.append(response.status_code)
        if response.status_code == 400:
            assert "That code has just been used" in response.get_data(as_text=True)

    with mock.patch.object(totp, "matching_step", matching_step):
        threads = [
            threading.Thread(target=attempt, args=pair) for pair in zip(clients, pages, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [302, 400]
    assert account(app).failed_sign_ins == 0


# --- Signing in again ends the session the browser had --------------------------------------


def test_signing_in_again_ends_the_browsers_earlier_session(app, clock) -> None:
    secret, _ = make_officer(app)
    other_secret, _ = make_officer(app, email="analyst@example.org", role="analyst", grant=False)
    browser = client_for(app)
    first = staff_cookie(sign_in_with(browser, secret=secret, when=clock.now))
    clock.now += totp.STEP_SECONDS
    second = staff_cookie(sign_in_with(browser, secret=secret, when=clock.now))
    assert first != second
    assert browser.get("/staff/account/").status_code == 200
    # Someone else signing in on the same browser ends that session too.
    third = sign_in_with(browser, email="analyst@example.org", secret=other_secret, when=clock.now)
    assert third.status_code == 302
    for old in (first, second):
        stale = client_for(app)
        stale.set_cookie("__Host-staff", old.split("=", 1)[1].split(";")[0], path="/")
        response = stale.get("/staff/account/")
        assert response.status_code == 302 and "/staff/sign-in" in response.location
    assert "analyst@example.org" in browser.get("/staff/account/").get_data(as_text=True)
