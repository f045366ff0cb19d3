"""Invitation links, as the invited person, an admin and an attacker holding a link see them."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time

import pytest
from sqlalchemy import select, update

from reporting import clock, credentials, crypto, invitations
from reporting.auth import totp
from reporting.db import database
from reporting.models import Grant, Invitation, StaffSession, User

from .helpers import csrf_token
from .staff import (
    AUTHENTICATOR_KEY,
    INVITATION_LINK,
    NEW_PASSWORD,
    PASSWORD,
    StaffUser,
    accept,
    client_for,
    create_user,
    invite,
    link_path,
    post_form,
    read_secret,
    session_team_keys,
    sign_in,
    signed_in_client,
    user_by_email,
)


@pytest.fixture
def admin(app, team) -> StaffUser:
    return create_user(app, "admin", team_keys=team.private_keys)


@pytest.fixture
def admin_client(app, admin):
    return signed_in_client(app, admin)


def test_invited_person_sets_up_their_account_and_signs_in(app, admin_client) -> None:
    path = invite(admin_client)
    newcomer = client_for(app)
    response, secret = accept(newcomer, path)
    assert response.status_code == 302
    assert response.location.endswith("/staff/sign-in")
    assert "Your account is set up" in newcomer.get("/staff/sign-in").get_data(as_text=True)

    user = user_by_email(app, "new.officer@example.org")
    person = StaffUser(user.id, user.email, NEW_PASSWORD, secret, "officer", "Nia Officer")
    person.last_step = user.totp_last_step  # the code typed on the invitation page is spent
    signed_in = sign_in(newcomer, person)
    assert signed_in.status_code == 302
    account = newcomer.get("/staff/account/").get_data(as_text=True)
    assert "new.officer@example.org" in account
    assert "You cannot open reports yet" in account


def test_code_used_to_set_up_cannot_be_replayed_at_sign_in(app, admin_client) -> None:
    path = invite(admin_client)
    newcomer = client_for(app)
    now = time.time()
    response, secret = accept(newcomer, path, when=now)
    assert response.status_code == 302
    user = user_by_email(app, "new.officer@example.org")
    person = StaffUser(user.id, user.email, NEW_PASSWORD, secret, "officer", "Nia")
    replay = sign_in(newcomer, person, code=totp.code_at(secret, now))
    assert replay.status_code == 400


def test_invitation_token_is_stored_only_as_its_hash(app, admin_client) -> None:
    path = invite(admin_client)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43
    with database(app).session() as db:
        (row,) = db.scalars(select(Invitation)).all()
        assert row.token_hash == invitations.hash_token(token)
        assert token not in row.token_hash
        # Nowhere else either: no column of any table holds the token.
        dump = " ".join(
            str(value)
            for table in ("users", "invitations", "audit_log")
            for r in db.execute(select(Invitation.metadata.tables[table])).all()
            for value in r
        )
    assert token not in dump


def test_link_expires_after_48_hours(app, admin_client) -> None:
    path = invite(admin_client)
    with database(app).session() as db:
        row = db.scalars(select(Invitation)).one()
        assert dt.timedelta(hours=47, minutes=59) < row.expires_at - clock.utcnow()
        assert row.expires_at - clock.utcnow() <= dt.timedelta(hours=48)
        row.expires_at = clock.utcnow() - dt.timedelta(seconds=1)
        db.commit()
    response = client_for(app).get(path)
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)


def test_used_link_cannot_be_used_again(app, admin_client) -> None:
    path = invite(admin_client)
    newcomer = client_for(app)
    first, _ = accept(newcomer, path)
    assert first.status_code == 302
    again = client_for(app).get(path)
    assert again.status_code == 404
    with database(app).session() as db:
        hash_before = db.scalar(select(User.password_hash).where(User.email.like("new.%")))
    # A POST prepared before the link was used is refused too, and changes nothing.
    attacker = client_for(app)
    token_page = attacker.get("/staff/sign-in").get_data(as_text=True)
    late = attacker.post(
        path,
        data={
            "csrf_token": csrf_token(token_page),
            "password": "an attacker's own password",
            "confirm": "an attacker's own password",
            "code": "123456",
        },
    )
    assert late.status_code == 404
    with database(app).session() as db:
        assert db.scalar(select(User.password_hash).where(User.email.like("new.%"))) == hash_before


def test_unknown_used_and_expired_links_look_the_same(app, admin_client) -> None:
    used = invite(admin_client, email="used@example.org")
    accept(client_for(app), used)
    expired = invite(admin_client, email="expired@example.org")
    with database(app).session() as db:
        db.execute(
            update(Invitation)
            .where(Invitation.used.is_(False))
            .values(expires_at=clock.utcnow() - dt.timedelta(minutes=1))
        )
        db.commit()
    unknown = "/staff/invitation/" + "A" * 43
    too_long = "/staff/invitation/" + "A" * 500
    bodies = set()
    for path in (used, expired, unknown, too_long):
        response = client_for(app).get(path)
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "This link is not valid" in body
        assert "Ask an administrator to invite you again" in body
        bodies.add(re.sub(r'name="csrf_token"[^>]*>', "", body))
    assert len(bodies) == 1, "the pages differ, so they tell which case it is"


def test_a_new_invitation_replaces_the_old_link(app, admin, admin_client) -> None:
    first = invite(admin_client)
    user = user_by_email(app, "new.officer@example.org")
    again = post_form(
        admin_client,
        f"/staff/admin/accounts/{user.id}",
        f"/staff/admin/accounts/{user.id}/invite-again",
    )
    assert again.status_code == 200
    second_path = link_path(INVITATION_LINK.search(again.get_data(as_text=True)).group(1))
    assert client_for(app).get(first).status_code == 404
    assert client_for(app).get(second_path).status_code == 200


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short pass", None, "Password must be at least 12 characters"),
        ("", None, "Password must be at least 12 characters"),
        ("password1234", None, "That password is too common"),
        ("aaaaaaaaaaaaaaaa", None, "That password is too common"),
        ("x" * 201 + "yz", None, "Password must be 200 characters or fewer"),
        (NEW_PASSWORD, "something else entirely", "Passwords do not match"),
    ],
)
def test_weak_or_mismatched_passwords_are_refused_and_nothing_stored(
    app, admin_client, password, confirm, message
) -> None:
    path = invite(admin_client)
    response, _ = accept(client_for(app), path, password=password, confirm=confirm)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "There is a problem" in body
    assert message in body
    assert "<title>Error: " in body
    user = user_by_email(app, "new.officer@example.org")
    assert user.password_hash is None and user.public_key is None
    assert user.totp_secret_encrypted is None
    assert client_for(app).get(path).status_code == 200, "a refused attempt spent the link"


def test_wrong_authenticator_code_is_refused_and_nothing_stored(app, admin_client) -> None:
    path = invite(admin_client)
    newcomer = client_for(app)
    page = newcomer.get(path).get_data(as_text=True)
    secret = read_secret(page)
    wrong = f"{(int(totp.code_at(secret, time.time())) + 1) % 1_000_000:06d}"
    for code in (wrong, "", "12345", "abcdef", "1" * 40):
        response = newcomer.post(
            path,
            data={
                "csrf_token": csrf_token(page),
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "code": code,
            },
        )
        assert response.status_code == 400, code
        assert "code" in response.get_data(as_text=True).lower()
    user = user_by_email(app, "new.officer@example.org")
    assert user.password_hash is None and user.public_key is None


def test_code_from_another_invitation_secret_is_refused(app, admin_client) -> None:
    path = invite(admin_client)
    other_secret = invitations.enrolment_secret("another-token", app.config["SECRET_KEY"])
    response, _ = accept(client_for(app), path, code=totp.code_at(other_secret, time.time()))
    assert response.status_code == 400
    assert "The code is not right" in response.get_data(as_text=True)


def test_set_up_page_shows_qr_code_as_inline_svg_and_key_in_groups(app, admin_client) -> None:
    path = invite(admin_client)
    client = client_for(app)
    first = client.get(path)
    body = first.get_data(as_text=True)
    assert first.headers["Cache-Control"] == "no-store"
    assert re.search(r"<figure[^>]*>\s*<svg [^>]*role=\"img\"", body)
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert "<title>" in svg and "<figcaption" in body
    assert "style" not in svg
    assert not re.search(r"\sstyle=|<style", body)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    grouped = AUTHENTICATOR_KEY.search(body).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", grouped)
    assert len(read_secret(body)) == 20
    # The same link always offers the same authenticator, even from another browser.
    assert read_secret(client_for(app).get(path).get_data(as_text=True)) == read_secret(body)


def test_nothing_secret_is_kept_in_clear_after_set_up(app, admin_client) -> None:
    path = invite(admin_client)
    newcomer = client_for(app)
    response, secret = accept(newcomer, path)
    assert response.status_code == 302
    with database(app).session() as db:
        user = db.scalar(select(User).where(User.email == "new.officer@example.org"))
        assert user.password_hash.startswith("$argon2id$")
        assert NEW_PASSWORD.encode() not in (user.private_key_encrypted or b"")
        assert secret not in user.totp_secret_encrypted
        rows = [
            value
            for table in Invitation.metadata.sorted_tables
            for row in db.execute(select(table)).all()
            for value in row
        ]
    blob = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in rows)
    assert NEW_PASSWORD.encode() not in blob
    assert secret not in blob and base64.b32encode(secret) not in blob
    # Nor in the browser's cookies.
    for cookie in ("__Host-session", "__Host-staff"):
        value = newcomer.get_cookie(cookie)
        assert value is None or NEW_PASSWORD not in value.value


def test_reinvited_officer_gets_new_key_pair_and_loses_old_grants_and_sessions(
    app, team, admin_client
) -> None:
    officer = create_user(app, "officer", team_keys=team.private_keys)
    officer_client = signed_in_client(app, officer)
    assert session_team_keys(app, officer_client) == team.private_keys
    before = user_by_email(app, officer.email)

    response = post_form(
        admin_client,
        f"/staff/admin/accounts/{officer.id}",
        f"/staff/admin/accounts/{officer.id}/invite-again",
    )
    assert response.status_code == 200
    path = link_path(INVITATION_LINK.search(response.get_data(as_text=True)).group(1))
    # Nothing changes until the link is used: the old session still works.
    assert officer_client.get("/staff/account/").status_code == 200

    accepted, secret = accept(client_for(app), path)
    assert accepted.status_code == 302
    after = user_by_email(app, officer.email)
    assert after.public_key != before.public_key
    assert after.totp_secret_encrypted != before.totp_secret_encrypted
    with database(app).session() as db:
        assert db.scalars(select(Grant).where(Grant.user_id == officer.id)).all() == []
        assert (
            db.scalars(select(StaffSession).where(StaffSession.user_id == officer.id)).all() == []
        )
    assert officer_client.get("/staff/account/").status_code == 302  # signed out

    # The old password and authenticator no longer work; the new ones do.
    assert sign_in(client_for(app), officer).status_code == 400
    renewed = StaffUser(officer.id, officer.email, NEW_PASSWORD, secret, "officer", officer.name)
    renewed.last_step = after.totp_last_step
    new_client = signed_in_client(app, renewed)
    assert session_team_keys(app, new_client) == {}
    # The new private key opens under the new password.
    with database(app).session() as db:
        user = db.get(User, officer.id)
        private = credentials.unlock_private_key(user, NEW_PASSWORD, app.config["PASSWORD_KDF"])
        assert crypto.key_id_for(user.public_key) == crypto.envelope_key_id(
            user.private_key_encrypted
        )
        assert len(private) == crypto.PRIVATE_KEY_BYTES


def test_set_up_is_audited(app, admin, admin_client) -> None:
    path = invite(admin_client)
    accept(client_for(app), path)
    user = user_by_email(app, "new.officer@example.org")
    log = admin_client.get("/staff/admin/audit?action=account-set-up").get_data(as_text=True)
    assert "account-set-up" in log
    assert f"user:{user.id}" in log
    log = admin_client.get("/staff/admin/audit?action=invited").get_data(as_text=True)
    assert admin.email in log


def test_invitation_post_without_csrf_token_is_refused(app, admin_client) -> None:
    path = invite(admin_client)
    newcomer = client_for(app)
    newcomer.get(path)
    response = newcomer.post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": "123456"}
    )
    assert response.status_code == 400
    assert user_by_email(app, "new.officer@example.org").password_hash is None


def test_disabled_account_link_is_not_valid(app, admin_client) -> None:
    path = invite(admin_client)
    user = user_by_email(app, "new.officer@example.org")
    disabled = post_form(
        admin_client, f"/staff/admin/accounts/{user.id}", f"/staff/admin/accounts/{user.id}/disable"
    )
    assert disabled.status_code == 302
    assert client_for(app).get(path).status_code == 404


def test_existing_password_still_works_until_the_new_link_is_used(app, admin_client) -> None:
    officer = create_user(app, "officer", password=PASSWORD)
    post_form(
        admin_client,
        f"/staff/admin/accounts/{officer.id}",
        f"/staff/admin/accounts/{officer.id}/invite-again",
    )
    assert sign_in(client_for(app), officer).status_code == 302


def test_setting_up_again_clears_a_lock_for_wrong_codes(app, team, admin_client) -> None:
    """Someone locked for wrong codes (with the right password) and invited again starts
    afresh: their first wrong code with the new credentials does not lock them again."""
    officer = create_user(app, "officer")
    with database(app).session() as db:
        db.execute(
            update(User)
            .where(User.id == officer.id)
            .values(locked=True, wrong_code_sign_ins=5, failed_sign_ins=5)
        )
        db.commit()
    response = post_form(
        admin_client,
        f"/staff/admin/accounts/{officer.id}",
        f"/staff/admin/accounts/{officer.id}/invite-again",
    )
    path = link_path(INVITATION_LINK.search(response.get_data(as_text=True)).group(1))
    accepted, _secret = accept(client_for(app), path)
    assert accepted.status_code == 302
    after = user_by_email(app, officer.email)
    assert (after.locked, after.wrong_code_sign_ins, after.failed_sign_ins) == (False, 0, 0)
