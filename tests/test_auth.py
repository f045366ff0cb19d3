"""Staff sign-in and sessions, as a user or an attacker with a copy of the database sees them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

from sqlalchemy import select, update

from reporting import clock, credentials, crypto, keys
from reporting.auth import sessions, totp
from reporting.db import database
from reporting.models import AuditEntry, StaffSession, TeamKey, User

from .conftest import HttpsClient, csrf_token

PASSWORD = "a perfectly fine long passphrase"
SIGN_IN_ERROR_TEXT = "The email address, password or code is not right"


def make_officer(app, *, email="officer@example.org", role="officer", grant=True):
    """An account with a TOTP secret; with ``grant``, the team key is granted to it."""
    with database(app).session() as db:
        account = credentials.create_account(
            db,
            email=email,
            name="Olive Officer",
            role=role,
            password=PASSWORD,
            password_kdf=app.config["PASSWORD_KDF"],
            secret_key=app.config["SECRET_KEY"],
            today=dt.date.today(),
        )
        team_private = None
        if grant:
            new = keys.create_team(db, slug=f"t-{email}", name="Team", today=dt.date.today())
            keys.grant_team_key(
                db,
                user=account.user,
                team_key=new.team_key,
                private_key=new.private_key,
                today=dt.date.today(),
            )
            team_private = {new.team_key.key_id: new.private_key}
        db.commit()
        return base64.b32decode(account.totp_secret_base32), team_private


def client_for(app) -> HttpsClient:
    app.test_client_class = HttpsClient
    return app.test_client()


def sign_in(
    client,
    *,
    email="officer@example.org",
    password=PASSWORD,
    secret=b"",
    code=None,
    when=None,
    next_url=None,
):
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


def staff_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-staff="))


def test_sign_in_with_password_and_code(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    response = sign_in(client, secret=secret)
    assert response.status_code == 302
    # An officer starts at the reports.
    assert response.location == "/staff/reports/"
    cookie = staff_cookie(response)
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/staff/account/")
    assert page.status_code == 200
    assert "officer@example.org" in page.get_data(as_text=True)


def test_wrong_password_or_code_gets_one_message(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    wrong_password = sign_in(client, secret=secret, password="not the password at all")
    wrong_code = sign_in(client, secret=secret, code="000000")
    unknown = sign_in(client, secret=secret, email="nobody@example.org")
    texts = [r.get_data(as_text=True) for r in (wrong_password, wrong_code, unknown)]
    for response, html in zip((wrong_password, wrong_code, unknown), texts, strict=True):
        assert response.status_code == 400
        assert "The email address, password or code is not right" in html
        assert "__Host-staff" not in " ".join(response.headers.getlist("Set-Cookie"))
    # The page says exactly the same whatever was wrong.
    summaries = {html.split('class="govuk-error-summary"')[1].split("</div>")[0] for html in texts}
    assert len(summaries) == 1


def test_a_used_code_cannot_be_replayed(app) -> None:
    secret, _ = make_officer(app)
    now = time.time()
    code = totp.code_at(secret, now)
    assert sign_in(client_for(app), secret=secret, code=code).status_code == 302
    replay = sign_in(client_for(app), secret=secret, code=code)
    assert replay.status_code == 400


def test_wrong_passwords_make_the_next_attempt_wait_instead_of_locking(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    statuses = [
        sign_in(client, secret=secret, password="wrong wrong wrong").status_code for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    waiting = sign_in(client, secret=secret)
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] in ("29", "30")
    assert "Wait 30 seconds, then try again" in waiting.get_data(as_text=True)
    with database(app).session() as db:
        user = db.scalar(select(User))
        assert not user.locked and user.failed_sign_ins == 5
        actions = db.scalars(select(AuditEntry.action)).all()
    assert "account-locked" not in actions and actions.count("sign-in-failed") == 6


def test_sign_in_attempts_are_rate_limited_per_account(make_app) -> None:
    app = make_app(RATELIMIT_SIGN_IN="2 per minute")
    secret, _ = make_officer(app)
    statuses = []
    for n in range(3):
        # A different network each time: the per-account limit still applies.
        client = client_for(app)
        client.environ_base["REMOTE_ADDR"] = f"198.51.{n}.1"
        statuses.append(sign_in(client, secret=secret, password="guess guess guess").status_code)
    assert statuses == [400, 400, 429]


def test_session_changes_at_sign_in(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    first = client.get("/staff/sign-in")
    before = [c for c in first.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")]
    assert before, "the sign-in page sets a pre-sign-in session for its CSRF token"
    response = sign_in(client, secret=secret, when=time.time())
    cleared = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")]
    assert cleared and "Max-Age=0" in cleared[0]
    again = sign_in(client_for(app), secret=secret, when=time.time() + 30)
    assert staff_cookie(response) != staff_cookie(again)


def test_idle_and_absolute_expiry(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    sign_in(client, secret=secret)
    with database(app).session() as db:
        db.execute(
            update(StaffSession).values(last_seen_at=clock.utcnow() - dt.timedelta(minutes=31))
        )
        db.commit()
    idle = client.get("/staff/account/")
    assert idle.status_code == 302 and "/staff/sign-in" in idle.location

    client = client_for(app)
    sign_in(client, secret=secret, when=time.time() + 30)
    with database(app).session() as db:
        db.execute(update(StaffSession).values(expires_at=clock.utcnow()))
        db.commit()
    assert client.get("/staff/account/").status_code == 302
    with database(app).session() as db:
        assert db.scalar(select(StaffSession)) is None


def test_sign_out_everywhere_ends_every_session(app) -> None:
    secret, _ = make_officer(app)
    laptop, phone = client_for(app), client_for(app)
    sign_in(laptop, secret=secret, when=time.time())
    sign_in(phone, secret=secret, when=time.time() + 30)
    page = phone.get("/staff/account/").get_data(as_text=True)
    response = phone.post(
        "/staff/account/sign-out-everywhere", data={"csrf_token": csrf_token(page)}
    )
    assert response.location.endswith("/staff/signed-out")
    assert laptop.get("/staff/account/").status_code == 302
    assert phone.get("/staff/account/").status_code == 302


def test_sign_out_deletes_the_session_row(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    sign_in(client, secret=secret)
    page = client.get("/staff/account/").get_data(as_text=True)
    client.post("/staff/account/sign-out", data={"csrf_token": csrf_token(page)})
    with database(app).session() as db:
        assert db.scalar(select(StaffSession)) is None
    assert client.get("/staff/account/").status_code == 302


def test_sessions_table_without_the_cookie_reveals_no_team_key(app) -> None:
    secret, team_private = make_officer(app)
    client = client_for(app)
    response = sign_in(client, secret=secret)
    ((key_id, private_key),) = team_private.items()
    with database(app).session() as db:
        row = db.scalar(select(StaffSession))
        stored = row.team_keys + row.id.encode()
    # The private key is not in the row in any readable form.
    assert private_key not in stored
    assert base64.b64encode(private_key) not in stored
    # The row is keyed by a hash of the token: the token itself is not stored.
    token = staff_cookie(response).split("=", 1)[1].split(".")[0]
    assert token.encode() not in stored
    # Without the cookie's key, nothing opens it: a guessed key fails.
    with database(app).session() as db:
        row = db.scalar(select(StaffSession))
        try:
            crypto.decrypt(
                crypto.new_data_key(),
                row.team_keys,
                context=f"session:{row.id}:team-keys:v1".encode(),
            )
        except crypto.DecryptionError:
            pass
        else:  # pragma: no cover - the point of the test
            raise AssertionError("a random key opened the session")
        assert sessions.load_session(db, None) is None


def test_cookie_without_its_row_opens_nothing(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    response = sign_in(client, secret=secret)
    value = staff_cookie(response).split("=", 1)[1].split(";")[0]
    with database(app).session() as db:
        db.execute(StaffSession.__table__.delete())
        db.commit()
        assert sessions.load_session(db, sessions.SessionCookie.parse(value)) is None
    assert client.get("/staff/account/").status_code == 302


def test_signed_in_session_holds_the_granted_team_key(app) -> None:
    secret, team_private = make_officer(app)
    client = client_for(app)
    response = sign_in(client, secret=secret)
    value = staff_cookie(response).split("=", 1)[1].split(";")[0]
    with database(app).session() as db:
        staff = sessions.load_session(db, sessions.SessionCookie.parse(value))
    assert staff.team_keys == team_private


def test_user_without_grant_signs_in_but_cannot_open_reports(app) -> None:
    secret, _ = make_officer(app, grant=False)
    client = client_for(app)
    assert sign_in(client, secret=secret).status_code == 302
    html = client.get("/staff/account/").get_data(as_text=True)
    assert "You cannot open reports yet" in html


def test_anonymous_is_sent_to_sign_in_and_next_is_local_only(app) -> None:
    client = client_for(app)
    response = client.get("/staff/account/password")
    assert response.status_code == 302
    assert "/staff/sign-in?next=" in response.location
    # A page left open past the session's end: valid token, no session. Nothing is done.
    token = csrf_token(client.get("/staff/sign-in").get_data(as_text=True))
    post = client.post("/staff/account/sign-out-everywhere", data={"csrf_token": token})
    assert post.status_code == 302 and post.location.endswith("/staff/sign-in")
    secret, _ = make_officer(app)
    evil = sign_in(client_for(app), secret=secret, next_url="//evil.example/")
    assert evil.location == "/staff/reports/"


def test_password_change_keeps_the_keys(app) -> None:
    secret, team_private = make_officer(app)
    client = client_for(app)
    sign_in(client, secret=secret, when=time.time())
    page = client.get("/staff/account/password").get_data(as_text=True)
    weak = client.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf_token(page),
            "current": PASSWORD,
            "password": "password123!",
            "confirm": "password123!",
        },
    )
    assert weak.status_code == 400 and "too common" in weak.get_data(as_text=True)
    new = "another long passphrase entirely"
    done = client.post(
        "/staff/account/password",
        data={"csrf_token": csrf_token(page), "current": PASSWORD, "password": new, "confirm": new},
    )
    assert done.status_code == 302
    # An unused code: refused for the old password alone.
    assert sign_in(client_for(app), secret=secret, when=time.time() + 30).status_code == 400
    fresh = client_for(app)
    response = sign_in(fresh, secret=secret, password=new, when=time.time() + 30)
    assert response.status_code == 302
    value = staff_cookie(response).split("=", 1)[1].split(";")[0]
    with database(app).session() as db:
        staff = sessions.load_session(db, sessions.SessionCookie.parse(value))
        assert db.scalar(select(TeamKey)) is not None
    assert staff.team_keys == team_private


def test_staff_pages_carry_the_idle_warning(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    sign_in(client, secret=secret)
    html = client.get("/staff/account/").get_data(as_text=True)
    idle = int(sessions.IDLE.total_seconds())
    assert f'data-module="app-session-timeout" data-idle-seconds="{idle}"' in html
    assert "You will be signed out in 2 minutes" in html
    assert "js/session-timeout.js" in html


def test_staff_error_pages_use_the_staff_layout(app) -> None:
    secret, _ = make_officer(app, email="analyst@example.org", role="analyst", grant=False)
    client = client_for(app)
    sign_in(client, email="analyst@example.org", secret=secret)
    response = client.get("/staff/reports/")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "govuk-exit-this-page" not in html
    assert "Go to your account" in html and "Sign out" in html
    public = client_for(app).get("/no-such-page").get_data(as_text=True)
    assert "govuk-exit-this-page" in public


def test_next_after_sign_in_cannot_leave_the_site(app) -> None:
    hostile = [
        "//evil.example/",
        "/%09/evil.example",
        "/%0a/evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "/no-such-page",
        "/staff/account/password",
    ]
    for n, target in enumerate(hostile):
        email = f"person{n}@example.org"
        secret, _ = make_officer(app, email=email, grant=False)
        response = sign_in(client_for(app), email=email, secret=secret, next_url=target)
        assert response.status_code == 302, target
        expected = target if target == "/staff/account/password" else "/staff/reports/"
        assert response.location == expected, (target, response.location)


# --- The way in: /staff, where sign-in lands, a code just used -------------------------------


def test_staff_front_door_sends_each_person_to_their_start(app) -> None:
    anonymous = client_for(app)
    for path in ("/staff", "/staff/"):
        response = anonymous.get(path)
        assert response.status_code == 302, path
        assert response.location == f"/staff/sign-in?next={path}", path
        # Sign-in then comes back to the front door, which sends the person on.
        assert client_for(app).get(response.location).status_code == 200
    starts = {
        "officer": "/staff/reports/",
        "admin": "/staff/reports/",
        "analyst": "/staff/account/",
        "centre": "/staff/account/",
    }
    for role, start in starts.items():
        email = f"{role}@example.org"
        secret, _ = make_officer(app, email=email, role=role, grant=False)
        client = client_for(app)
        signed_in = sign_in(client, email=email, secret=secret)
        # Signing in lands on the same start as the front door.
        assert signed_in.status_code == 302 and signed_in.location == start, role
        for path in ("/staff", "/staff/"):
            response = client.get(path)
            assert response.status_code == 302 and response.location == start, (role, path)
            assert client.get(response.location).status_code == 200, (role, path)


def test_staff_header_links_to_the_front_door(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    sign_in(client, secret=secret)
    html = client.get("/staff/account/").get_data(as_text=True)
    assert 'href="/staff/"' in html


def test_explicit_next_still_wins_after_sign_in(app) -> None:
    secret, _ = make_officer(app, email="analyst@example.org", role="analyst", grant=False)
    client = client_for(app)
    first = client.get("/staff/account/password")
    assert first.location == "/staff/sign-in?next=/staff/account/password"
    response = sign_in(
        client, email="analyst@example.org", secret=secret, next_url="/staff/account/password"
    )
    assert response.location == "/staff/account/password"


def _failures(app) -> tuple[int, bool, list[str]]:
    with database(app).session() as db:
        user = db.scalar(select(User))
        reasons = [
            json.loads(details).get("reason")
            for details in db.scalars(
                select(AuditEntry.details).where(AuditEntry.action == "sign-in-failed")
            )
        ]
        return user.failed_sign_ins, user.locked, reasons


def test_a_code_just_used_says_so_and_is_not_counted_as_a_failure(app) -> None:
    secret, _ = make_officer(app)
    now = time.time()
    code = totp.code_at(secret, now)
    assert sign_in(client_for(app), secret=secret, code=code).status_code == 302
    # Signed out straight away (or just set up): the app still shows the same code.
    for _ in range(12):
        again = sign_in(client_for(app), secret=secret, code=code)
        html = again.get_data(as_text=True)
        assert again.status_code == 400
        assert "That code has just been used. Wait for the next code from your" in html
        assert 'href="#code"' in html
        assert "__Host-staff" not in " ".join(again.headers.getlist("Set-Cookie"))
    failures, locked, reasons = _failures(app)
    assert failures == 0 and not locked
    assert reasons == ["code already used"] * 12
    # The next code works.
    assert sign_in(client_for(app), secret=secret, when=now + 30).status_code == 302


def test_a_used_code_with_a_wrong_password_gets_the_one_message_and_counts(app) -> None:
    secret, _ = make_officer(app)
    code = totp.code_at(secret, time.time())
    assert sign_in(client_for(app), secret=secret, code=code).status_code == 302
    wrong = sign_in(client_for(app), secret=secret, code=code, password="not the password!")
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400
    assert SIGN_IN_ERROR_TEXT in html and "just been used" not in html
    failures, _locked, _reasons = _failures(app)
    assert failures == 1


def test_a_used_code_on_a_locked_account_says_nothing_more(app) -> None:
    secret, _ = make_officer(app)
    code = totp.code_at(secret, time.time())
    assert sign_in(client_for(app), secret=secret, code=code).status_code == 302
    with database(app).engine.begin() as connection:
        connection.execute(update(User).values(locked=True))
    locked = sign_in(client_for(app), secret=secret, code=code)
    assert locked.status_code == 400
    html = locked.get_data(as_text=True)
    assert SIGN_IN_ERROR_TEXT in html and "just been used" not in html


def test_codes_typed_in_other_scripts_digits_are_read_as_digits(app) -> None:
    secret, _ = make_officer(app)
    code = totp.code_at(secret, time.time())
    arabic_indic = "".join(chr(0x660 + int(d)) for d in code)
    response = sign_in(client_for(app), secret=secret, code=arabic_indic)
    assert response.status_code == 302
    # Superscripts look like digits but are not: a plain refusal, never an error page.
    odd = sign_in(client_for(app), secret=secret, code="\u00b2" * 6)
    assert odd.status_code == 400
    assert "Enter the code as 6 digits, like 123456" in odd.get_data(as_text=True)


def test_staff_pages_and_staff_errors_have_no_exit_this_page(app) -> None:
    secret, _ = make_officer(app)
    client = client_for(app)
    pages = [client.get("/staff/sign-in"), client.get("/staff/signed-out")]
    sign_in(client, secret=secret)
    pages += [client.get("/staff/account/"), client.get("/staff/reports/")]
    pages.append(client.get("/staff/no-such-page"))

    def broken() -> str:
        raise RuntimeError("broken on purpose")

    app.view_functions["account.password"] = broken
    pages.append(client.get("/staff/account/password"))
    assert [p.status_code for p in pages] == [200, 200, 200, 200, 404, 500]
    for page in pages:
        html = page.get_data(as_text=True)
        assert "govuk-exit-this-page" not in html
        assert "Exit this page" not in html and "/exit" not in html
        assert "govuk-footer" in html
    # The public pages keep it.
    public = client_for(app).get("/").get_data(as_text=True)
    assert "govuk-exit-this-page" in public and "Exit this page" in public
