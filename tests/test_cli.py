"""`flask --app reporting init`, the recovery code it prints, and `keygen`."""

from __future__ import annotations

import datetime as dt
import re
import stat

from flask import Flask
from sqlalchemy import func, select

from reporting import crypto, drafts, keygen, keys, recovery
from reporting.credentials import private_key_context
from reporting.db import database
from reporting.models import Draft, Grant, Report, Team, User
from reporting.reports import open_report

from .helpers import HttpsClient, Reporter, full_answers


def _init(app: Flask, *args: str):
    runner = app.test_cli_runner()
    return runner.invoke(args=["init", "--email", "Admin@Example.org", *args])


def test_init_creates_keys_and_first_admin(app: Flask) -> None:
    result = _init(app, "--password", "violet lantern over the quay")
    assert result.exit_code == 0, result.output
    assert "RECOVERY CODE" in result.output and "lock it away" in result.output
    assert "admin@example.org" in result.output
    assert "otpauth://totp/" in result.output
    assert "violet lantern" not in result.output  # a given password is not echoed
    with database(app).session() as db:
        admin = db.scalar(select(User))
        assert admin.role == "admin" and admin.email == "admin@example.org"
        assert db.scalar(select(func.count()).select_from(Team)) == 1
        grant = db.scalar(select(Grant))
        # The admin's password opens their private key, which opens the team key.
        password_key = crypto.derive_key_from_password(
            "violet lantern over the quay", admin.key_salt, app.config["PASSWORD_KDF"]
        )
        private = crypto.decrypt(
            password_key, admin.private_key_encrypted, context=private_key_context(admin.id)
        )
        team_key = db.scalar(select(Team)).keys[0]
        team_private = crypto.open_sealed(
            private, grant.sealed_private_key, context=keys.grant_context(admin.id, team_key.key_id)
        )
        assert len(team_private) == crypto.PRIVATE_KEY_BYTES
        assert b"violet lantern" not in (admin.password_hash or "").encode()


def test_init_generates_and_prints_a_password_when_none_given(app: Flask) -> None:
    result = _init(app)
    assert result.exit_code == 0, result.output
    password = re.search(r"password:\s+(\S+)", result.output).group(1)
    with database(app).session() as db:
        admin = db.scalar(select(User))
        assert crypto.verify_password(password, admin.password_hash)


def test_init_refuses_to_run_twice(app: Flask) -> None:
    assert _init(app).exit_code == 0
    again = _init(app)
    assert again.exit_code != 0
    assert "already initialised" in again.output
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(Team)) == 1


def test_init_rejects_a_short_password_and_bad_totp_secret(app: Flask) -> None:
    short = _init(app, "--password", "short")
    assert short.exit_code != 0 and "at least 12" in short.output
    bad = _init(app, "--totp-secret", "not base32!")
    assert bad.exit_code != 0 and "base32" in bad.output


def test_init_rejects_a_common_password(app: Flask) -> None:
    for common in ("password1234", "Password123456!", "qwertyuiop123"):
        refused = _init(app, "--password", common)
        assert refused.exit_code != 0 and "too common" in refused.output, common


def test_recovery_code_opens_reports(app: Flask) -> None:
    result = _init(app)
    code = re.search(r"^\s{4}(\S+)\s*$", result.output, re.M).group(1)
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    reporter.answer_all(full_answers("recover"))
    assert reporter.send().status_code == 200
    with database(app).session() as db:
        team_keys = recovery.unlock_with_recovery_code(db, code)
        opened = open_report(db, db.scalar(select(Report)), team_keys)
    assert opened["account"]["account"].endswith("recoveraccount")


def test_purge_drafts_command(app: Flask) -> None:
    with database(app).session() as db:
        drafts.start_draft(db, idle_minutes=60)
        # Started in 2000 (starting a draft purges older ones, so this goes last).
        drafts.start_draft(db, idle_minutes=60, now=dt.datetime(2000, 1, 1))
        db.commit()
    result = app.test_cli_runner().invoke(args=["purge-drafts"])
    assert result.exit_code == 0
    assert (
        "Deleted 1 expired draft(s), 0 expired receipt session(s) and 0 expired staff session(s)"
        in result.output
    )
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(Draft)) == 1


def test_keygen_writes_private_secrets_once(tmp_path) -> None:
    path = tmp_path / "config.py"
    assert keygen.main([str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    namespace: dict = {}
    exec(path.read_text(), namespace)  # noqa: S102 - our own generated file
    assert len(namespace["SECRET_KEY"]) >= 32
    assert len(bytes.fromhex(namespace["RECEIPT_PEPPER"])) == 32
    before = path.read_text()
    assert keygen.main([str(path)]) == 1
    assert path.read_text() == before
