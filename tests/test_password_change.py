"""Changing your own password: what it does to the keys, and what a guesser runs into."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from reporting import clock, credentials, crypto, keys, password_change
from reporting.db import database
from reporting.models import AuditEntry, Grant, TeamKey, User

from .helpers import csrf_token
from .staff import (
    PASSWORD,
    StaffUser,
    client_for,
    create_user,
    session_team_keys,
    sign_in,
    signed_in_client,
)

NEW_PASSWORD = "a brand new passphrase for today"


@dataclass(frozen=True)
class RowCopy:
    """What an old copy of the database holds for one user: their row and their grants."""

    user: User
    grants: dict[str, bytes]  # key id: sealed team private key


def copy_of_rows(app, user_id: int) -> RowCopy:
    with database(app).session() as db:
        user = db.get(User, user_id)
        assert user is not None
        db.expunge(user)
        rows = db.execute(
            select(TeamKey.key_id, Grant.sealed_private_key)
            .join(Grant, Grant.team_key_id == TeamKey.id)
            .where(Grant.user_id == user_id)
        ).all()
        return RowCopy(user, {key_id: sealed for key_id, sealed in rows})


def open_grants(user: User, private_key: bytes, grants: dict[str, bytes]) -> dict:
    return {
        key_id: crypto.open_sealed(private_key, sealed, context=keys.grant_context(user.id, key_id))
        for key_id, sealed in grants.items()
    }


def change(client, *, current: str, new: str = NEW_PASSWORD):
    page = client.get("/staff/account/password").get_data(as_text=True)
    return client.post(
        "/staff/account/password",
        data={"csrf_token": csrf_token(page), "current": current, "password": new, "confirm": new},
    )


def actions(app, user_id: int) -> list[str]:
    with database(app).session() as db:
        return list(
            db.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject == f"user:{user_id}")
                .order_by(AuditEntry.seq)
            )
        )


@pytest.fixture
def officer(app, team) -> StaffUser:
    return create_user(app, "officer", team_keys=team.private_keys)


def test_a_password_change_gives_a_new_key_pair_and_reseals_the_grants(app, team, officer) -> None:
    kdf = app.config["PASSWORD_KDF"]
    before = copy_of_rows(app, officer.id)
    old_private = credentials.unlock_private_key(before.user, PASSWORD, kdf)
    assert open_grants(before.user, old_private, before.grants) == team.private_keys

    response = change(signed_in_client(app, officer), current=PASSWORD)
    assert response.status_code == 302

    today = copy_of_rows(app, officer.id)
    assert today.user.public_key != before.user.public_key
    # The old password opens nothing stored today: not the private key...
    with pytest.raises(crypto.DecryptionError):
        credentials.unlock_private_key(today.user, PASSWORD, kdf)
    # ...and the private key an old copy gives it opens none of today's grants.
    assert set(today.grants) == set(team.private_keys)
    for key_id, sealed in today.grants.items():
        with pytest.raises(crypto.DecryptionError):
            open_grants(today.user, old_private, {key_id: sealed})
    # The old copy still opens what it opened (nothing can change a copy already taken).
    assert open_grants(before.user, old_private, before.grants) == team.private_keys
    # The new password opens the new private key, and it opens every grant.
    new_private = credentials.unlock_private_key(today.user, NEW_PASSWORD, kdf)
    assert crypto.key_id_for(today.user.public_key) == crypto.envelope_key_id(
        today.user.private_key_encrypted
    )
    assert open_grants(today.user, new_private, today.grants) == team.private_keys
    assert actions(app, officer.id)[-1] == "password-changed"
    with database(app).session() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "password-changed")).one()
        assert '"new_key_pair":true' in entry.details


def test_after_a_change_only_the_new_password_signs_in_with_the_keys(app, team, officer) -> None:
    assert change(signed_in_client(app, officer), current=PASSWORD).status_code == 302
    assert sign_in(client_for(app), officer).status_code == 400
    officer.password = NEW_PASSWORD
    assert session_team_keys(app, signed_in_client(app, officer)) == team.private_keys


def test_wrong_current_passwords_are_audited_and_limited(app, officer) -> None:
    client = signed_in_client(app, officer)
    for attempt in range(password_change.MAX_FAILURES):
        response = change(client, current=f"guess number {attempt} here")
        assert response.status_code == 400
        assert "Your current password is not right" in response.get_data(as_text=True)
    assert actions(app, officer.id).count("password-change-failed") == 5

    # Now even the right password is refused, with a message saying why and what to do.
    refused = change(client, current=PASSWORD)
    assert refused.status_code == 429
    page = html.unescape(refused.get_data(as_text=True))
    assert "entered wrongly too many times" in page
    assert "Wait an hour" in page
    assert actions(app, officer.id)[-1] == "password-change-refused"
    assert sign_in(client_for(app), officer).status_code == 302  # the password is unchanged
    # Another person's account has its own count.
    other = create_user(app, "officer")
    assert change(signed_in_client(app, other), current=PASSWORD).status_code == 302


def test_the_limit_is_per_hour(app, officer) -> None:
    kdf = app.config["PASSWORD_KDF"]
    with database(app).session() as db:
        user = db.get(User, officer.id)
        for _ in range(password_change.MAX_FAILURES):
            with pytest.raises(password_change.WrongPassword):
                password_change.change_password(
                    db, user, current="not it at all", new=NEW_PASSWORD, password_kdf=kdf
                )
        with pytest.raises(password_change.TooManyAttempts):
            password_change.change_password(
                db, user, current=PASSWORD, new=NEW_PASSWORD, password_kdf=kdf
            )
        later = clock.utcnow() + password_change.WINDOW + dt.timedelta(seconds=1)
        password_change.change_password(
            db, user, current=PASSWORD, new=NEW_PASSWORD, password_kdf=kdf, now=later
        )
        db.commit()
    officer.password = NEW_PASSWORD
    assert sign_in(client_for(app), officer).status_code == 302
