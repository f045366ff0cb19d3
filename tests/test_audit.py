"""`flask --app reporting audit verify`: the keyed chain holds; any edit or deletion breaks it,
and a checkpoint kept elsewhere shows deleted newest entries or an emptied log."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from reporting import audit, credentials
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
        credentials.create_account(
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
    assert result.output.startswith("OK: 0 entries\n")
    assert "give --checkpoint" in result.output  # it says what it cannot see without one


def test_an_untouched_log_verifies(audited: list[int], app: Flask) -> None:
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: {len(audited)} entries\n")


def test_an_edited_entry_is_found_rewritten(audited: list[int], app: Flask) -> None:
    edited = audited[2]
    with database(app).engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_log SET details = :details WHERE id = :id"),
            {"details": '{"method":"nothing to see"}', "id": edited},
        )
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"REWRITTEN at entry {edited}: ")
    assert "changed after it was written" in result.output


def test_an_edited_actor_is_found_rewritten(audited: list[int], app: Flask) -> None:
    edited = audited[-1]
    with database(app).engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_log SET subject = 'user:999' WHERE id = :id"), {"id": edited}
        )
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"REWRITTEN at entry {edited}: ")


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(audited: list[int], app: Flask) -> None:
    deleted, following = audited[1], audited[2]
    with database(app).engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": deleted})
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"BROKEN at entry {following}: ")
    assert "was deleted, inserted or reordered" in result.output


def _rechain_from(app: Flask, first: int, entry_hash: Callable[[AuditEntry], str]) -> None:
    """Edit entry ``first`` and recompute its hash and every later link, as a forger would."""
    with database(app).session() as db:
        rows = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        previous = audit.GENESIS
        for entry in rows:
            if entry.id == first:
                entry.details = '{"reason":"nothing happened"}'
            if entry.id >= first:
                entry.previous_hash = previous
                entry.entry_hash = entry_hash(entry)
            previous = entry.entry_hash
        db.commit()


def test_an_entry_rewritten_with_plain_sha256_hashes_is_found(
    audited: list[int], app: Flask
) -> None:
    """The old code's unkeyed hashes, recomputed for the edit and every link after it."""
    _rechain_from(app, audited[1], audit.legacy_hash)
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"REWRITTEN at entry {audited[1]}: ")


def test_an_entry_rewritten_under_the_wrong_key_is_found(audited: list[int], app: Flask) -> None:
    wrong = audit.chain_key("some-other-secret-key-of-at-least-32-chars")
    _rechain_from(app, audited[1], lambda entry: audit.keyed_hash(wrong, entry))
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"REWRITTEN at entry {audited[1]}: ")


def checkpoint(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    assert line.startswith("audit-checkpoint:")
    return line


def verify_against(app: Flask, line: str):
    return app.test_cli_runner().invoke(args=["audit", "verify", "--checkpoint", line])


def test_a_log_matches_its_checkpoint_and_keeps_matching_as_it_grows(
    audited: list[int], app: Flask, tmp_path: Path
) -> None:
    line = checkpoint(app)
    result = verify_against(app, line)
    assert (result.exit_code, result.output) == (0, "OK: 5 entries, matches the checkpoint of 5\n")
    with database(app).session() as db:
        audit.record(db, "report-read", subject="report:x")
        db.commit()
    (tmp_path / "checkpoint.txt").write_text(f"kept offline\n{line}\n")
    result = app.test_cli_runner().invoke(
        args=["audit", "verify", "--checkpoint-file", str(tmp_path / "checkpoint.txt")]
    )
    assert (result.exit_code, result.output) == (0, "OK: 6 entries, matches the checkpoint of 5\n")


def test_deleting_the_newest_entries_is_found_against_a_checkpoint(
    audited: list[int], app: Flask
) -> None:
    line = checkpoint(app)
    with database(app).engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": audited[3]})
    result = verify_against(app, line)
    assert result.exit_code == 1
    assert result.output == "TRUNCATED: the checkpoint says 5 entries, the log has 3\n"


def test_emptying_the_log_is_found_against_a_checkpoint(audited: list[int], app: Flask) -> None:
    line = checkpoint(app)
    with database(app).engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log"))
    result = verify_against(app, line)
    assert result.exit_code == 1
    assert result.output == "EMPTIED: the checkpoint says 5 entries, the log has none\n"


def test_a_log_rewritten_with_the_key_is_found_against_a_checkpoint(
    audited: list[int], app: Flask
) -> None:
    """Even someone holding the key cannot rewrite what a checkpoint already recorded."""
    line = checkpoint(app)
    key = audit.chain_key(SECRET_KEY)
    _rechain_from(app, audited[1], lambda entry: audit.keyed_hash(key, entry))
    assert verify(app).exit_code == 0  # the chain itself holds
    result = verify_against(app, line)
    assert result.exit_code == 1
    assert result.output.startswith(f"REWRITTEN at entry {audited[-1]}: the chain holds")


def test_a_checkpoint_of_another_key_or_mistyped_is_refused(audited: list[int], app: Flask) -> None:
    line = checkpoint(app)
    count, head = line.split(":")[1:3]
    forged = audit.checkpoint_line(audit.chain_key("x" * 40), int(count) - 2, head)
    for bad in (forged, line[:-1] + ("0" if line[-1] != "0" else "1"), "not a checkpoint"):
        result = verify_against(app, bad)
        assert result.exit_code == 2
        assert "checkpoint" in result.output and "OK" not in result.output


def test_no_checkpoint_is_given_for_a_tampered_log(audited: list[int], app: Flask) -> None:
    with database(app).engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": audited[0]})
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1
    assert "audit-checkpoint:" not in result.output and "BROKEN at entry" in result.output


def test_each_committed_append_logs_the_new_head(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reporting.audit")
    with database(app).session() as db:
        audit.record(db, "report-read", actor_id=None, subject="report:HC-SECRET")
        assert caplog.records == []  # not before it is committed
        db.commit()
        audit.record(db, "report-read", subject="report:rolled-back")
        db.rollback()
    [logged] = [r for r in caplog.records if r.name == "reporting.audit"]
    assert "HC-SECRET" not in logged.getMessage() and "report" not in logged.getMessage()
    assert logged.getMessage().startswith("audit head audit-checkpoint:1:")
    # The logged line is itself a checkpoint.
    result = verify_against(app, logged.getMessage())
    assert (result.exit_code, result.output) == (0, "OK: 1 entries, matches the checkpoint of 1\n")


def test_a_session_without_the_key_cannot_append(app: Flask) -> None:
    with Session(database(app).engine) as db, pytest.raises(audit.AuditKeyMissing):
        audit.record(db, "report-read", subject="report:x")


def test_the_head_reaches_stderr_when_nobody_configured_logging(app: Flask) -> None:
    """As under gunicorn: no handler on the root logger, yet the head must be written out."""
    script = (
        "import sys\n"
        "from reporting import audit, create_app\n"
        "from reporting.db import database\n"
        "app = create_app(dict(config))\n"
        "with database(app).session() as db:\n"
        "    audit.record(db, 'report-read', subject='report:HC-SECRET')\n"
        "    db.commit()\n"
    )
    config = {key: app.config[key] for key in ("SECRET_KEY", "RECEIPT_PEPPER", "DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-c", f"config = {config!r}\n{script}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
    )
    assert "reporting.audit audit head audit-checkpoint:1:" in done.stderr
    assert "HC-SECRET" not in done.stderr
