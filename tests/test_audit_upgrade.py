"""Upgrading an instance whose audit log was written before migration 0008."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask import Flask
from sqlalchemy import select, text

from reporting import audit, migrate
from reporting.db import database
from reporting.models import AuditEntry

GENESIS = "0" * 64
WHEN = dt.datetime(2026, 11, 30, 9, 0, 0)


def legacy_hash(previous: str, action: str, subject: str) -> str:
    """The unkeyed SHA-256 the code before 0008 wrote."""
    canonical = json.dumps(
        [previous, WHEN.isoformat(), None, action, subject, "{}"],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def write_legacy_log(app: Flask, *, fork: bool = False) -> list[str]:
    """Entries as the old code wrote them (downgraded to 0007); ``fork``: as its race did."""
    engine = database(app).engine
    migrate.downgrade(engine, "0007")
    previous, hashes = GENESIS, []
    with engine.begin() as connection:
        for number in range(4):
            subject = f"report:{number}"
            if fork and number == 2:
                previous = hashes[0]  # read the same last entry as number 1 did
            entry_hash = legacy_hash(previous, "report-read", subject)
            connection.execute(
                text(
                    "INSERT INTO audit_log (occurred_at, actor_id, action, subject, details,"
                    " previous_hash, entry_hash) VALUES (:at, NULL, 'report-read', :subject,"
                    " '{}', :previous, :hash)"
                ),
                {"at": WHEN, "subject": subject, "previous": previous, "hash": entry_hash},
            )
            hashes.append(entry_hash)
            previous = entry_hash
    migrate.upgrade(engine)
    return hashes


def test_0008_numbers_existing_entries_in_the_order_written(app: Flask) -> None:
    hashes = write_legacy_log(app, fork=True)  # even a log the race forked can be numbered
    with database(app).engine.connect() as connection:
        rows = connection.execute(text("SELECT seq, entry_hash FROM audit_log ORDER BY id")).all()
    assert [tuple(row) for row in rows] == list(zip(range(1, 5), hashes, strict=True))


def cli(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_an_unkeyed_log_fails_verify_until_rekeyed_then_holds(app: Flask) -> None:
    write_legacy_log(app)
    with database(app).session() as db:  # the app ran after the upgrade, before the rekey
        audit.record(db, "signed-in", subject="user:1")
        db.commit()
        first = db.scalar(select(AuditEntry.id).order_by(AuditEntry.seq))
    result = cli(app, "verify")
    assert result.exit_code == 1
    assert result.output.startswith(f"UNKEYED at entry {first}: ")
    assert "audit rekey" in result.output

    rekeyed = cli(app, "rekey")
    assert rekeyed.exit_code == 0, rekeyed.output
    assert rekeyed.output.startswith("Rekeyed 5 entries.")
    checkpoint = rekeyed.output.splitlines()[-1]
    result = cli(app, "verify", "--checkpoint", checkpoint)
    assert (result.exit_code, result.output) == (0, "OK: 6 entries, matches the checkpoint of 6\n")
    with database(app).session() as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["report-read"] * 4 + ["signed-in", "audit-rekeyed"]
    assert json.loads(entries[-1].details) == {"entries": 5, "unkeyed": 4}
    assert cli(app, "rekey").output == "Nothing to rekey: every entry is already keyed.\n"


def test_rekey_refuses_a_broken_unkeyed_log_unless_told_and_then_records_the_break(
    app: Flask,
) -> None:
    write_legacy_log(app, fork=True)
    with database(app).engine.connect() as connection:
        before = connection.execute(text("SELECT entry_hash FROM audit_log ORDER BY seq")).all()
        forked = connection.execute(text("SELECT id FROM audit_log WHERE seq = 3")).scalar_one()
    refused = cli(app, "rekey")
    assert refused.exit_code == 1
    assert refused.output.startswith(
        f"BROKEN: the log written before the upgrade does not verify: entry {forked} "
    )
    with database(app).engine.connect() as connection:
        after = connection.execute(text("SELECT entry_hash FROM audit_log ORDER BY seq")).all()
    assert after == before  # nothing changed

    accepted = cli(app, "rekey", "--accept-break")
    assert accepted.exit_code == 0, accepted.output
    assert cli(app, "verify").exit_code == 0
    with database(app).session() as db:
        last = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert json.loads(last.details)["accepted_break"].startswith(f"entry {forked} ")


def test_rekey_refuses_an_unkeyed_log_edited_before_the_upgrade(app: Flask) -> None:
    write_legacy_log(app)
    with database(app).engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET subject = 'report:x' WHERE seq = 2"))
    assert cli(app, "rekey").exit_code == 1
    assert cli(app, "verify").exit_code == 1
