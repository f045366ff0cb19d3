"""Upgrading an instance whose audit log was written before migration 0008."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask import Flask
from sqlalchemy import text

from reporting import migrate
from reporting.db import database

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
