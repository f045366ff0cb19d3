"""An instance as `flask init` leaves it, for the key and audit tests: an admin with a known
password holding the team key, reports sent through the journey's domain calls, and the key
commands run through the CLI."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from reporting import drafts, reports, rotation
from reporting.auth.signin import open_grants
from reporting.config import receipt_pepper
from reporting.credentials import unlock_private_key
from reporting.db import database
from reporting.models import Report, TeamKey, User

ADMIN = "admin@example.org"
PASSWORD = "violet lantern over the quay"


@dataclass(frozen=True)
class Instance:
    app: Flask
    recovery_code: str


def initialise(app: Flask) -> Instance:
    """`flask init` with a known password: an admin holding a grant, and the recovery code."""
    result = app.test_cli_runner().invoke(args=["init", "--email", ADMIN, "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    code = re.search(r"^\s{4}(\S+)\s*$", result.output, re.M)
    assert code
    return Instance(app, code.group(1))


def send_reports(app: Flask, markers: list[str]) -> list[str]:
    """Send reports through the same domain calls as the journey; their ids."""
    ids = []
    with database(app).session() as db:
        for marker in markers:
            cookie = drafts.start_draft(db, idle_minutes=60)
            db.flush()
            answers = {
                "reporting-as": {"reporter_type": "victim"},
                "when": {"incident_date": "2026-03-12"},
                "account": {"account": f"Two men followed me home {marker}account"},
            }
            drafts.save_answers(db, cookie, answers, idle_minutes=60)
            shown = reports.send_report(
                db,
                cookie,
                answers,
                pepper=receipt_pepper(app.config),
                receipt_kdf=app.config["RECEIPT_KDF"],
                today=dt.date.today(),
            )
            ids.append(db.scalar(select(Report.id).where(Report.reference == shown.reference)))
            if len(ids) % 25 == 0:
                db.commit()
                # Each draft purge scans the identity map: keep it small.
                db.expunge_all()
        db.commit()
    return ids


def keys_by_grant(app: Flask, email: str = ADMIN, password: str = PASSWORD) -> dict[str, bytes]:
    """The team private keys the account's grants open, as sign-in would unlock them."""
    with database(app).session() as db:
        user = db.scalar(select(User).where(User.email == email))
        private_key = unlock_private_key(user, password, app.config["PASSWORD_KDF"])
        return open_grants(db, user, private_key)


def markers_opened(app: Flask, private_keys: dict[str, bytes]) -> dict[str, str]:
    """Each report's marker, by report id; raises if any report does not open."""
    opened = {}
    with database(app).session() as db:
        for report in db.scalars(select(Report)):
            account = reports.open_report(db, report, private_keys)["account"]["account"]
            opened[report.id] = account.rsplit(" ", 1)[1].removesuffix("account")
    return opened


def active_key_ids(app: Flask) -> list[str]:
    with database(app).session() as db:
        return list(
            db.scalars(select(TeamKey.key_id).where(TeamKey.active.is_(True)).order_by(TeamKey.id))
        )


def rotate(app: Flask, *args: str, password: str = PASSWORD, env: dict[str, str] | None = None):
    return app.test_cli_runner().invoke(
        args=["keys", "rotate", *args], input=f"{password}\n", env=env
    )


class Interrupted(Exception):
    """Stands in for a kill between two batches."""


def interrupt_after_first_batch(app: Flask, private_keys: dict[str, bytes], batch_size: int):
    def stop(done: int, total: int) -> None:
        raise Interrupted

    with database(app).session() as db, pytest.raises(Interrupted):
        rotation.rotate_team_key(
            db,
            team_slug="review",
            private_keys=private_keys,
            today=dt.date.today(),
            batch_size=batch_size,
            on_progress=stop,
        )
