"""`flask --app reporting demo`: what `make run` does before serving, and what it prints."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import stat
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from reporting import ROOT, crypto, keyauth, migrate
from reporting.db import database
from reporting.models import Team, User


@pytest.fixture
def demo_app(make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("REPORTING_INSTANCE_PATH", str(tmp_path))
    return make_app()


def _demo(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "--port", "5057"])
    assert result.exit_code == 0, result.output
    return result.output


def _recovery_code(output: str) -> str:
    return re.search(r"^\s{4}(\S+)\s*$", output, re.M).group(1)


def test_the_first_run_initialises_and_shows_the_recovery_code_once(demo_app, tmp_path) -> None:
    output = _demo(demo_app)
    assert output.startswith(f"Initialised a new demo instance in {tmp_path}")
    assert "RECOVERY CODE" in output
    code = _recovery_code(output)
    assert "The demo keeps no copy of this recovery code" in output
    assert "Public start page:  http://127.0.0.1:5057/\n" in output
    assert "Staff sign-in:      http://127.0.0.1:5057/staff/sign-in\n" in output
    stored = tmp_path / "demo-admin.txt"
    text = stored.read_text()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert code not in text and code.replace("-", "") not in text
    assert "RECOVERY" not in text
    assert "NOT SAFE TO COPY" in text
    # The admin's sign-in details are the ones kept, and they work.
    password = re.search(r"password:\s+(\S+)", text).group(1)
    with database(demo_app).session() as db:
        admin = db.scalar(select(User))
        assert admin.email == "admin@example.org" and admin.role == "admin"
        assert crypto.verify_password(password, admin.password_hash)


def test_a_second_run_does_nothing_and_prints_no_recovery_code(demo_app, tmp_path) -> None:
    code = _recovery_code(_demo(demo_app))
    again = _demo(demo_app)
    assert again.startswith(f"Nothing to do: the demo instance in {tmp_path} is ready")
    assert "RECOVERY CODE" not in again and code not in again
    assert "password:" in again  # the sign-in details, from the file
    assert "Staff sign-in:      http://127.0.0.1:5057/staff/sign-in" in again
    with database(demo_app).session() as db:
        assert db.scalar(select(func.count()).select_from(Team)) == 1


def test_a_run_on_an_older_schema_upgrades_it(demo_app) -> None:
    _demo(demo_app)
    engine = database(demo_app).engine
    migrate.downgrade(engine, "-1")
    output = _demo(demo_app)
    assert output.startswith("Upgraded the demo instance in ")
    assert "RECOVERY CODE" not in output
    assert _demo(demo_app).startswith("Nothing to do")


def test_a_recovery_code_an_older_make_run_kept_is_removed(demo_app, tmp_path) -> None:
    made = demo_app.test_cli_runner().invoke(args=["init", "--email", "admin@example.org"])
    code = _recovery_code(made.output)
    stored = tmp_path / "demo-admin.txt"
    stored.write_text(made.output)  # what `make run` used to keep
    output = _demo(demo_app)
    assert f"Removed the recovery code an older `make run` had kept in {stored}" in output
    text = stored.read_text()
    assert code not in text and "RECOVERY" not in text
    assert "NOT SAFE TO COPY" in text
    assert re.search(r"password:\s+\S+", text)
    assert code not in output


def test_make_run_prepares_the_demo_then_serves_with_the_shipped_config(tmp_path: Path) -> None:
    dry = subprocess.run(
        ["make", "-n", "run", "PORT=5057", f"VENV={tmp_path}/venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "flask --app reporting demo --email admin@example.org --host 127.0.0.1 --port 5057" in (
        dry.stdout
    )
    assert "gunicorn --config gunicorn.conf.py --bind 127.0.0.1:5057 wsgi:app" in dry.stdout
    assert "--workers" not in dry.stdout and "init" not in dry.stdout


def test_an_older_demos_audit_log_and_team_keys_are_keyed_on_upgrade(demo_app) -> None:
    _demo(demo_app)
    engine = database(demo_app).engine
    migrate.downgrade(engine, "0007")  # before the keyed log
    when = dt.datetime(2026, 11, 30, 9, 0, 0)
    # What the code before 0008 wrote: an unkeyed SHA-256 chain.
    old = json.dumps(
        ["0" * 64, when.isoformat(), None, "report-read", "report:0", "{}"], separators=(",", ":")
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (occurred_at, actor_id, action, subject, details,"
                " previous_hash, entry_hash) VALUES (:at, NULL, 'report-read', 'report:0',"
                " '{}', :previous, :hash)"
            ),
            {"at": when, "previous": "0" * 64, "hash": hashlib.sha256(old.encode()).hexdigest()},
        )
    output = _demo(demo_app)
    assert "Keyed the demo's audit log" in output
    verified = demo_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    # Its team key (made before keys carried a MAC) is authenticated too: reports can be sent.
    assert "Authenticated the demo's team keys (1)" in output
    with database(demo_app).session() as db:
        assert [item.problem for item in keyauth.review(db)] == [None]
