"""`flask --app reporting audit verify`: the chain holds; any edit or deletion breaks it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from reporting import accounts, audit
from reporting.auth.signin import SignInFailed, sign_in
from reporting.db import database
from reporting.models import AuditEntry

from .conftest import SECRET_KEY
from .test_rotation import ADMIN, PASSWORD, initialise, send_reports


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()


def verify(app: Flask):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


@pytest.fixture
def audited(app: Flask) -> list[int]:
    """An instance whose log has entries from several actions; their ids in order."""
    instance = initialise(app)
    send_reports(app, ["a", "b"])
    with database(app).session() as db:
        for _ in range(2):
            with pytest.raises(SignInFailed):
                sign_in(
                    db,
                    email=ADMIN,
                    password="not the password",
                    code="000000",
                    password_kdf=app.config["PASSWORD_KDF"],
                    secret_key=SECRET_KEY,
                )
        accounts.create_account(
            db,
            email="second@example.org",
            name="Second",
            role="admin",
            password=PASSWORD,
            password_kdf=app.config["PASSWORD_KDF"],
            secret_key=SECRET_KEY,
            today=dt.date.today(),
        )
        db.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["keys", "rotate", "--email", ADMIN], input=PASSWORD).exit_code == 0
    recovered = runner.invoke(
        args=["keys", "recover", "--email", "second@example.org"], input=instance.recovery_code
    )
    assert recovered.exit_code == 0, recovered.output
    with database(app).session() as db:
        entries = db.execute(select(AuditEntry.id, AuditEntry.action).order_by(AuditEntry.id))
        ids, actions = zip(*entries, strict=True)
    assert actions == (
        "sign-in-failed",
        "sign-in-failed",
        "key-rotation-started",
        "key-rotated",
        "recovered",
    )
    return list(ids)


def test_an_empty_log_verifies(app: Flask) -> None:
    result = verify(app)
    assert result.exit_code == 0
    assert result.output == "OK: 0 entries\n"


def test_an_untouched_log_verifies(audited: list[int], app: Flask) -> None:
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output == f"OK: {len(audited)} entries\n"


def test_an_edited_entry_breaks_the_chain_at_that_entry(audited: list[int], app: Flask) -> None:
    edited = audited[2]
    with database(app).engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_log SET details = :details WHERE id = :id"),
            {"details": '{"method":"nothing to see"}', "id": edited},
        )
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"BROKEN at entry {edited}: ")
    assert "changed after it was written" in result.output


def test_an_edited_actor_breaks_the_chain(audited: list[int], app: Flask) -> None:
    edited = audited[-1]
    with database(app).engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_log SET subject = 'user:999' WHERE id = :id"), {"id": edited}
        )
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"BROKEN at entry {edited}: ")


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(audited: list[int], app: Flask) -> None:
    deleted, following = audited[1], audited[2]
    with database(app).engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": deleted})
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"BROKEN at entry {following}: ")
    assert "was deleted, inserted or reordered" in result.output


def test_a_rehashed_edit_still_breaks_at_the_next_entry(audited: list[int], app: Flask) -> None:
    """Someone who recomputes the edited entry's own hash still breaks the link after it."""
    edited = audited[1]
    with database(app).session() as db:
        entry = db.get(AuditEntry, edited)
        entry.details = '{"reason":"nothing happened"}'
        entry.entry_hash = audit._entry_hash(
            entry.previous_hash,
            entry.occurred_at,
            entry.actor_id,
            entry.action,
            entry.subject,
            entry.details,
        )
        db.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"BROKEN at entry {audited[2]}: ")


def test_new_entries_after_verification_keep_the_chain(audited: list[int], app: Flask) -> None:
    send_reports(app, ["c"])
    with database(app).session() as db:
        audit.record(db, "report-opened", actor_id=None, subject="report:x")
        db.commit()
    result = verify(app)
    assert result.exit_code == 0
    assert result.output == f"OK: {len(audited) + 1} entries\n"
