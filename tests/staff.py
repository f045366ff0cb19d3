"""Staff accounts for tests: create a user of any role, sign them in through the test client.

Plain functions, no fixtures, so any test module can use them:

    admin = create_user(app, "admin", team_keys=team.private_keys)
    client = signed_in_client(app, admin)
    page = client.get("/staff/admin/")
    post_form(client, "/staff/admin/accounts/2", "/staff/admin/accounts/2/unlock")
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reporting import credentials, keys
from reporting.auth import sessions, totp
from reporting.db import database
from reporting.models import TeamKey

from .conftest import HttpsClient, csrf_token

PASSWORD = "a perfectly fine long passphrase"
_numbers = itertools.count(1)
# Seconds a request may take, from choosing its code to the server checking it.
SAFE_MARGIN = 10


@dataclass
class StaffUser:
    """What a person knows about their account; ``last_step`` tracks codes already used."""

    id: int
    email: str
    password: str
    totp_secret: bytes
    role: str
    name: str
    last_step: int | None = None

    def next_code(self, now: float | None = None) -> str:
        """A code the server will accept: the lowest unused step inside its ±1 window.

        The step before the current one only while the current step has more than
        ``SAFE_MARGIN`` seconds left: otherwise a slow request (a busy CI machine) can reach
        the server after the 30 seconds turn over, when that code has left its window. With
        every step of the window used, wait for the next step (or, for a given ``now``, fail).
        """
        while True:
            moment = time.time() if now is None else now
            current = int(moment) // totp.STEP_SECONDS
            left = totp.STEP_SECONDS - moment % totp.STEP_SECONDS
            lowest = current - 1 if left > SAFE_MARGIN else current
            step = lowest if self.last_step is None else max(lowest, self.last_step + 1)
            if step <= current + 1:
                self.last_step = step
                return totp.code_at(self.totp_secret, step * totp.STEP_SECONDS)
            if now is not None:
                raise RuntimeError("signed in too often in the last minute: no unused code left")
            time.sleep(left)


def create_user(
    app: Flask,
    role: str = "officer",
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    team_keys: dict[str, bytes] | None = None,
) -> StaffUser:
    """An account that has been set up; ``team_keys`` (key id to private key, e.g. the
    ``team`` fixture's ``private_keys``) are granted to it."""
    number = next(_numbers)
    email = email or f"{role}{number}@example.org"
    name = name or f"{role.capitalize()} {number}"
    with database(app).session() as db:
        account = credentials.create_account(
            db,
            email=email,
            name=name,
            role=role,
            password=password,
            password_kdf=app.config["PASSWORD_KDF"],
            secret_key=app.config["SECRET_KEY"],
            today=dt.date.today(),
        )
        for key_id, private_key in (team_keys or {}).items():
            team_key = db.scalar(select(TeamKey).where(TeamKey.key_id == key_id))
            assert team_key is not None, f"no team key {key_id}"
            keys.grant_team_key(
                db,
                user=account.user,
                team_key=team_key,
                private_key=private_key,
                today=dt.date.today(),
            )
        db.commit()
        secret = _b32decode(account.totp_secret_base32)
        return StaffUser(account.user.id, account.user.email, password, secret, role, name)


def _b32decode(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def client_for(app: Flask) -> FlaskClient:
    app.test_client_class = HttpsClient
    return app.test_client()


def sign_in(
    client: FlaskClient,
    user: StaffUser,
    *,
    password: str | None = None,
    code: str | None = None,
) -> Any:
    """Sign in through the sign-in page as a browser would; returns the POST's response."""
    page = client.get("/staff/sign-in")
    return client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "email": user.email,
            "password": user.password if password is None else password,
            "code": user.next_code() if code is None else code,
        },
    )


def signed_in_client(app: Flask, user: StaffUser) -> FlaskClient:
    client = client_for(app)
    response = sign_in(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client


def post_form(
    client: FlaskClient, page: str, action: str | None = None, data: dict[str, Any] | None = None
) -> Any:
    """GET ``page``, take its CSRF token, POST ``data`` to ``action`` (default: the page)."""
    html = client.get(page).get_data(as_text=True)
    return client.post(action or page, data={"csrf_token": csrf_token(html), **(data or {})})


def session_team_keys(app: Flask, client: FlaskClient) -> dict[str, bytes]:
    """The team keys the client's staff session holds, opened with the key in its cookie."""
    cookie = client.get_cookie("__Host-staff")
    assert cookie is not None, "not signed in"
    with database(app).session() as db:
        current = sessions.load_session(db, sessions.SessionCookie.parse(cookie.value))
        assert current is not None, "the session has ended"
        return current.team_keys
