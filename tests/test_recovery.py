"""`flask --app reporting keys recover`: the recovery code gives an admin every active team key."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from flask import Flask
from sqlalchemy import func, select

from reporting import crypto
from reporting.credentials import private_key_context
from reporting.db import database
from reporting.models import AuditEntry, Grant, User

from .instance import (
    ADMIN,
    PASSWORD,
    Instance,
    active_key_ids,
    initialise,
    interrupt_after_first_batch,
    keys_by_grant,
    markers_opened,
    send_reports,
)
from .staff import create_user

SECOND_ADMIN = "second.admin@example.org"


@pytest.fixture
def instance(app: Flask) -> Instance:
    instance = initialise(app)
    send_reports(app, ["before-recovery"])
    return instance


def add_user(app: Flask, email: str, role: str) -> int:
    return create_user(app, role, email=email, name="Someone", password=PASSWORD).id


def recover(app: Flask, email: str, code: str):
    return app.test_cli_runner().invoke(args=["keys", "recover", "--email", email], input=code)


def grant_count(app: Flask) -> int:
    with database(app).session() as db:
        return db.scalar(select(func.count()).select_from(Grant)) or 0


def recovered_entries(app: Flask) -> list[str | None]:
    with database(app).session() as db:
        return list(db.scalars(select(AuditEntry.subject).where(AuditEntry.action == "recovered")))


def test_the_recovery_code_grants_every_active_team_key_to_an_admin(instance: Instance) -> None:
    app = instance.app
    user_id = add_user(app, SECOND_ADMIN, "admin")
    assert keys_by_grant(app, SECOND_ADMIN) == {}

    result = recover(app, SECOND_ADMIN, instance.recovery_code + "\n")

    assert result.exit_code == 0, result.output
    assert "Granted 1 team key(s) to second.admin@example.org" in result.output
    assert instance.recovery_code not in result.output  # the prompt hides it
    granted = keys_by_grant(app, SECOND_ADMIN)
    assert list(granted) == active_key_ids(app)
    assert list(markers_opened(app, granted).values()) == ["before-recovery"]
    assert recovered_entries(app) == [f"user:{user_id}"]


def test_recovery_reads_the_code_from_the_environment(instance: Instance) -> None:
    app = instance.app
    add_user(app, SECOND_ADMIN, "admin")
    result = app.test_cli_runner().invoke(
        args=["keys", "recover", "--email", SECOND_ADMIN],
        env={"REPORTING_RECOVERY_CODE": instance.recovery_code},
    )
    assert result.exit_code == 0, result.output
    assert "Recovery code" not in result.output  # not prompted
    assert list(keys_by_grant(app, SECOND_ADMIN)) == active_key_ids(app)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (crypto.generate_recovery_code(), "does not match this instance"),  # another instance's
        ("not a recovery code", "Not a recovery code"),
        ("", "Not a recovery code"),
    ],
)
def test_a_wrong_or_malformed_code_changes_nothing(
    instance: Instance, code: str, message: str
) -> None:
    app = instance.app
    add_user(app, SECOND_ADMIN, "admin")
    before = grant_count(app)
    result = app.test_cli_runner().invoke(
        args=["keys", "recover", "--email", SECOND_ADMIN],
        env={"REPORTING_RECOVERY_CODE": code} if code else None,
        input="\n\n\n",  # an empty answer is asked again, until input runs out
    )
    assert result.exit_code != 0
    if code:
        assert message in result.output
    assert grant_count(app) == before
    assert keys_by_grant(app, SECOND_ADMIN) == {}
    assert recovered_entries(app) == []


def test_a_code_with_a_typo_is_refused(instance: Instance) -> None:
    app = instance.app
    add_user(app, SECOND_ADMIN, "admin")
    code = instance.recovery_code
    wrong = next(c for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" if c != code[0])
    result = recover(app, SECOND_ADMIN, wrong + code[1:] + "\n")
    assert result.exit_code != 0
    assert "Recovery code refused" in result.output
    assert keys_by_grant(app, SECOND_ADMIN) == {}


@pytest.mark.parametrize("role", ["officer", "analyst", "centre"])
def test_only_an_admin_can_be_given_the_keys(instance: Instance, role: str) -> None:
    app = instance.app
    add_user(app, "someone@example.org", role)
    before = grant_count(app)
    result = recover(app, "someone@example.org", instance.recovery_code + "\n")
    assert result.exit_code != 0
    assert "no admin with that email address" in result.output
    assert grant_count(app) == before
    assert recovered_entries(app) == []


def test_an_admin_who_has_not_set_up_their_account_is_refused(instance: Instance) -> None:
    app = instance.app
    with database(app).session() as db:
        db.add(
            User(
                email="invited@example.org",
                name="Invited",
                role="admin",
                created_on=dt.date.today(),
                failed_sign_ins=0,
                locked=False,
                disabled=False,
            )
        )
        db.commit()
    result = recover(app, "invited@example.org", instance.recovery_code + "\n")
    assert result.exit_code != 0
    assert "has not set up their account" in result.output
    assert recovered_entries(app) == []


def test_an_unknown_email_is_refused(instance: Instance) -> None:
    result = recover(instance.app, "nobody@example.org", instance.recovery_code + "\n")
    assert result.exit_code != 0
    assert "no admin with that email address" in result.output


def test_recovery_reseals_a_grant_to_an_admin_who_lost_their_key_pair(instance: Instance) -> None:
    """A forgotten password means a new key pair: the old grant no longer opens."""
    app = instance.app
    new_password = "a brand new password for me"
    with database(app).session() as db:
        admin = db.scalar(select(User).where(User.email == ADMIN))
        pair = crypto.generate_keypair()
        salt = secrets.token_bytes(16)
        password_key = crypto.derive_key_from_password(
            new_password, salt, app.config["PASSWORD_KDF"]
        )
        admin.public_key = pair.public_key
        admin.key_salt = salt
        admin.private_key_encrypted = crypto.encrypt(
            password_key, pair.private_key, context=private_key_context(admin.id)
        )
        db.commit()
    with pytest.raises(crypto.DecryptionError):
        keys_by_grant(app, ADMIN, new_password)

    result = recover(app, ADMIN, instance.recovery_code + "\n")

    assert result.exit_code == 0, result.output
    assert grant_count(app) == 1
    granted = keys_by_grant(app, ADMIN, new_password)
    assert list(markers_opened(app, granted).values()) == ["before-recovery"]


def test_recovery_during_a_rotation_grants_both_keys(instance: Instance) -> None:
    app = instance.app
    send_reports(app, ["second"])
    interrupt_after_first_batch(app, keys_by_grant(app), batch_size=1)
    add_user(app, SECOND_ADMIN, "admin")

    result = recover(app, SECOND_ADMIN, instance.recovery_code + "\n")

    assert result.exit_code == 0, result.output
    assert "Granted 2 team key(s)" in result.output
    assert sorted(keys_by_grant(app, SECOND_ADMIN)) == sorted(active_key_ids(app))
