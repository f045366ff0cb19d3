"""Staff accounts for tests: create a user of any role, sign them in through the test client
(as the user, or with whatever is typed), invite people through the admin pages.

Plain functions, no fixtures, so any test module can use them:

    admin = create_user(app, "admin", team_keys=team.private_keys)
    client = signed_in_client(app, admin)
    page = client.get("/staff/admin/")
    post_form(client, "/staff/admin/accounts/2", "/staff/admin/accounts/2/unlock")
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reporting import credentials, keys
from reporting.auth import sessions, totp
from reporting.db import database
from reporting.models import TeamKey, User

from .helpers import HttpsClient, csrf_token

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
    return sign_in_with(
        client,
        email=user.email,
        password=user.password if password is None else password,
        code=user.next_code() if code is None else code,
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


# --- Signing in by hand (tests/test_auth.py, tests/test_signin_attacks.py) --------------------

SIGN_IN_ERROR_TEXT = "The email address, password or code is not right"


def make_officer(
    app: Flask, *, email: str = "officer@example.org", role: str = "officer", grant: bool = True
) -> tuple[bytes, dict[str, bytes] | None]:
    """An account with a TOTP secret; with ``grant``, a team of its own whose key is granted
    to it. Its TOTP secret, and the team's private keys by key id (None without ``grant``)."""
    team_private = None
    if grant:
        with database(app).session() as db:
            new = keys.create_team(db, slug=f"t-{email}", name="Team", today=dt.date.today())
            db.commit()
            team_private = {new.team_key.key_id: new.private_key}
    user = create_user(app, role, email=email, name="Olive Officer", team_keys=team_private)
    return user.totp_secret, team_private


def sign_in_with(
    client: FlaskClient,
    *,
    email: str = "officer@example.org",
    password: str = PASSWORD,
    secret: bytes = b"",
    code: str | None = None,
    when: float | None = None,
    next_url: str | None = None,
) -> Any:
    """Sign in through the sign-in page with what is typed; without ``code``, the code of
    ``secret`` at ``when`` (default now). Returns the POST's response."""
    page = client.get("/staff/sign-in")
    code = code if code is not None else totp.code_at(secret, when or time.time())
    path = "/staff/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "email": email,
            "password": password,
            "code": code,
        },
    )


def staff_cookie(response: Any) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-staff="))


# --- Invitations, through the admin pages ---------------------------------------------------

NEW_PASSWORD = "violet lantern over the quay again"
INVITATION_LINK = re.compile(r'id="invitation-link"[^>]*>([^<]+)</textarea>')
AUTHENTICATOR_KEY = re.compile(r'id="authenticator-key"><code>([A-Z2-7 ]+)</code>')


def invite(
    admin_client: FlaskClient,
    *,
    email: str = "new.officer@example.org",
    name: str = "Nia Officer",
    role: str = "officer",
) -> str:
    """Invite someone through the admin page; return the link's path."""
    response = post_form(
        admin_client, "/staff/admin/invite", data={"email": email, "name": name, "role": role}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    match = INVITATION_LINK.search(response.get_data(as_text=True))
    assert match, "no invitation link on the confirmation page"
    return link_path(match.group(1))


def link_path(link_html: str) -> str:
    """The path of an invitation link as shown on the confirmation page."""
    link = html.unescape(link_html)
    assert link.startswith("https://")
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def read_secret(page_html: str) -> bytes:
    match = AUTHENTICATOR_KEY.search(page_html)
    assert match, "the page shows no authenticator key"
    text = match.group(1).replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def accept(
    client: FlaskClient,
    path: str,
    *,
    password: str = NEW_PASSWORD,
    confirm: str | None = None,
    code: str | None = None,
    when: float | None = None,
) -> tuple[Any, bytes]:
    """Open the link and submit it as the invited person would."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    body = page.get_data(as_text=True)
    secret = read_secret(body)
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(body),
            "password": password,
            "confirm": password if confirm is None else confirm,
            "code": code if code is not None else totp.code_at(secret, when or time.time()),
        },
    )
    return response, secret


def user_by_email(app: Flask, email: str) -> User:
    with database(app).session() as db:
        user = db.scalar(select(User).where(User.email == email))
        assert user is not None
        return user
