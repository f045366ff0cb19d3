"""Team key rows are authenticated: write access to the database alone cannot make reports be
sealed to a key of the attacker's choosing, and `flask keys authenticate` blesses only the keys
an operator confirms."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from reporting import create_app, crypto, keyauth
from reporting.db import database
from reporting.models import AuditEntry, Report, ReportKey, TeamKey

from .helpers import Reporter, TeamKeys, base_config, full_answers
from .instance import ADMIN, initialise, rotate

REFUSED_PAGE = "Reports cannot be sent just now"


def _ready_to_send(reporter: Reporter) -> None:
    reporter.start()
    reporter.answer_all(full_answers("forged"))


def _insert_key(app: Flask, **values: Any) -> None:
    """A team_keys row written with SQL, as an attacker with database access would."""
    row = {"team_id": 1, "active": True, "created_on": dt.date.today(), "mac": None, **values}
    with database(app).engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO team_keys (team_id, key_id, public_key, active, created_on, mac) "
                "VALUES (:team_id, :key_id, :public_key, :active, :created_on, :mac)"
            ),
            row,
        )


def _update_key(app: Flask, where_key_id: str, /, **values: Any) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    with database(app).engine.begin() as connection:
        connection.execute(
            text(f"UPDATE team_keys SET {assignments} WHERE key_id = :where_key_id"),  # noqa: S608
            {**values, "where_key_id": where_key_id},
        )


def _counts(app: Flask) -> tuple[int, int]:
    with database(app).session() as db:
        return (
            db.scalar(select(func.count()).select_from(Report)) or 0,
            db.scalar(select(func.count()).select_from(ReportKey)) or 0,
        )


def _refused(reporter: Reporter) -> None:
    response = reporter.send()
    assert response.status_code == 503
    assert REFUSED_PAGE in reporter.last_html
    assert "your answers are kept" in reporter.last_html


def _sent_after_all(reporter: Reporter) -> None:
    """The answers were kept: once the key table is sound again, the same draft sends."""
    response = reporter.send()
    assert response.status_code == 200
    assert "HC-" in reporter.last_html


# --- Sending refuses a key that fails its check ------------------------------------------------


def test_a_forged_active_key_inserted_with_sql_gets_nothing_sealed_and_a_503(
    app: Flask, team: TeamKeys, reporter: Reporter, caplog: pytest.LogCaptureFixture
) -> None:
    _ready_to_send(reporter)
    attacker = crypto.generate_keypair()
    _insert_key(app, key_id=attacker.key_id, public_key=attacker.public_key)

    with caplog.at_level(logging.ERROR, logger="reporting.keyauth"):
        _refused(reporter)

    assert _counts(app) == (0, 0)  # nothing sealed, to the forged key or any other
    assert attacker.key_id in caplog.text and "no authentication code" in caplog.text
    with database(app).engine.begin() as connection:
        connection.execute(text("DELETE FROM team_keys WHERE key_id = :k"), {"k": attacker.key_id})
    _sent_after_all(reporter)
    with database(app).session() as db:
        assert set(db.scalars(select(TeamKey.key_id).join(ReportKey))) == set(team.private_keys)


def test_a_forged_key_with_a_made_up_or_copied_mac_is_refused(
    app: Flask, team: TeamKeys, reporter: Reporter
) -> None:
    _ready_to_send(reporter)
    with database(app).session() as db:
        genuine_mac = db.scalar(select(TeamKey.mac))
    attacker = crypto.generate_keypair()
    # A MAC copied from the genuine row, then one under another instance's secret key.
    _insert_key(app, key_id=attacker.key_id, public_key=attacker.public_key, mac=genuine_mac)
    _refused(reporter)
    with database(app).session() as db:
        forged = db.scalar(select(TeamKey).where(TeamKey.key_id == attacker.key_id))
        other = keyauth.row_mac(
            keyauth.mac_key_for("another-instance-secret-key-0123456789"), forged
        )
    _update_key(app, attacker.key_id, mac=other)
    _refused(reporter)
    assert _counts(app) == (0, 0)


def test_a_genuine_row_given_another_public_key_is_refused(
    app: Flask, team: TeamKeys, reporter: Reporter, caplog: pytest.LogCaptureFixture
) -> None:
    _ready_to_send(reporter)
    (key_id,) = team.private_keys
    attacker = crypto.generate_keypair()
    # The attacker's public key under the genuine key id (which no longer matches it) ...
    _update_key(app, key_id, public_key=attacker.public_key)
    with caplog.at_level(logging.ERROR, logger="reporting.keyauth"):
        _refused(reporter)
    assert key_id in caplog.text and "key id does not match its public key" in caplog.text
    # ... and with its own key id, so that only the MAC gives it away.
    _update_key(app, key_id, key_id=attacker.key_id)
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="reporting.keyauth"):
        _refused(reporter)
    assert attacker.key_id in caplog.text and "does not match" in caplog.text
    assert _counts(app) == (0, 0)


def test_a_key_id_that_is_not_its_public_keys_is_refused_even_with_a_valid_mac(
    app: Flask, team: TeamKeys, reporter: Reporter, caplog: pytest.LogCaptureFixture
) -> None:
    """The key id is checked against the public key on its own, not only through the MAC."""
    _ready_to_send(reporter)
    (key_id,) = team.private_keys
    with database(app).session() as db:
        row = db.scalar(select(TeamKey))
        row.key_id = "0123456789abcdef"
        keyauth.authenticate(db, row)  # as if made by the instance itself
        db.commit()
    with caplog.at_level(logging.ERROR, logger="reporting.keyauth"):
        _refused(reporter)
    assert "0123456789abcdef" in caplog.text and "key id does not match" in caplog.text
    assert _counts(app) == (0, 0)


def test_a_retired_key_switched_back_on_with_sql_is_refused(app: Flask, reporter: Reporter) -> None:
    instance = initialise(app)
    assert rotate(instance.app, "--email", ADMIN).exit_code == 0
    with database(app).session() as db:
        retired = db.scalar(select(TeamKey.key_id).where(TeamKey.active.is_(False)))
    _update_key(app, retired, active=True)
    _ready_to_send(reporter)
    _refused(reporter)
    assert _counts(app) == (0, 0)


def test_a_rotation_refuses_to_run_with_a_forged_active_key(app: Flask) -> None:
    instance = initialise(app)
    attacker = crypto.generate_keypair()
    _insert_key(app, key_id=attacker.key_id, public_key=attacker.public_key)
    result = rotate(instance.app, "--email", ADMIN)
    assert result.exit_code == 1
    assert "untrusted team key" in result.output and attacker.key_id in result.output
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(TeamKey)) == 2  # nothing made


def test_keys_made_by_init_and_rotate_are_authenticated(app: Flask) -> None:
    instance = initialise(app)
    assert rotate(instance.app, "--email", ADMIN).exit_code == 0
    with database(app).session() as db:
        rows = list(db.scalars(select(TeamKey).order_by(TeamKey.id)))
        mac_key = keyauth.session_mac_key(db)
        assert [r.active for r in rows] == [False, True]
        assert [keyauth.problem(mac_key, r) for r in rows] == [None, None]
    with database(app).session() as db:
        assert keyauth.session_mac_key(db) == keyauth.mac_key_for(app.config["SECRET_KEY"])


# --- `flask keys authenticate`: existing rows, after the upgrade ---------------------------------


def _as_before_the_upgrade(app: Flask) -> None:
    with database(app).engine.begin() as connection:
        connection.execute(text("UPDATE team_keys SET mac = NULL"))


def _authenticate(app: Flask, *args: str, answer: str | None = None, env: Any = None) -> Any:
    return app.test_cli_runner().invoke(args=["keys", "authenticate", *args], input=answer, env=env)


def test_existing_keys_are_authenticated_only_once_the_operator_confirms(
    app: Flask, team: TeamKeys, reporter: Reporter
) -> None:
    (key_id,) = team.private_keys
    _as_before_the_upgrade(app)
    _ready_to_send(reporter)
    _refused(reporter)

    declined = _authenticate(app, answer="n\n")
    assert declined.exit_code == 1
    assert key_id in declined.output and "Authenticate these 1 key(s)?" in declined.output
    _refused(reporter)
    silent = _authenticate(app)  # no answer at all (a script): nothing is blessed
    assert silent.exit_code == 1
    _refused(reporter)

    confirmed = _authenticate(app, answer="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert f"Authenticated: {key_id}." in confirmed.output
    _sent_after_all(reporter)
    again = _authenticate(app)
    assert again.exit_code == 0 and "nothing to do" in again.output
    with database(app).session() as db:
        actions = list(db.scalars(select(AuditEntry.action)))
    assert actions.count("team-keys-authenticated") == 1


def test_a_key_forged_before_the_upgrade_is_left_out_when_the_ids_are_named(
    app: Flask, team: TeamKeys, reporter: Reporter
) -> None:
    (key_id,) = team.private_keys
    attacker = crypto.generate_keypair()
    _insert_key(app, key_id=attacker.key_id, public_key=attacker.public_key)
    _as_before_the_upgrade(app)

    listed = _authenticate(app, answer="n\n")
    assert key_id in listed.output and attacker.key_id in listed.output  # both shown, with
    assert "0 report(s) sealed to it, 0 holder(s)" in listed.output  # what tells them apart
    unknown = _authenticate(app, "--key-id", "ffffffffffffffff")
    assert unknown.exit_code == 1 and "Nothing changed" in unknown.output

    named = _authenticate(app, "--key-id", key_id)
    assert named.exit_code == 0, named.output
    assert f"Left unauthenticated: {attacker.key_id}." in named.output
    _ready_to_send(reporter)
    _refused(reporter)  # the forged key is still active and unauthenticated: no send
    with database(app).engine.begin() as connection:
        connection.execute(text("DELETE FROM team_keys WHERE key_id = :k"), {"k": attacker.key_id})
    _sent_after_all(reporter)


def test_a_row_whose_key_id_is_not_its_public_keys_is_never_authenticated(
    app: Flask, team: TeamKeys
) -> None:
    attacker = crypto.generate_keypair()
    _insert_key(app, key_id="0123456789abcdef", public_key=attacker.public_key)
    result = _authenticate(app, answer="y\n")
    assert result.exit_code == 1
    assert "NOT authenticated, ever" in result.output and "0123456789abcdef" in result.output
    named = _authenticate(app, "--key-id", "0123456789abcdef")
    assert named.exit_code == 1
    with database(app).session() as db:
        assert db.scalar(select(TeamKey.mac).where(TeamKey.key_id == "0123456789abcdef")) is None


def test_after_changing_secret_key_the_previous_one_re_authenticates_the_keys(
    app: Flask, team: TeamKeys, tmp_path: Any, reporter: Reporter
) -> None:
    new_secret = "a-new-secret-key-that-is-long-enough-9876543210"
    moved = create_app({**base_config(tmp_path), "SECRET_KEY": new_secret})
    moved.test_client_class = type(reporter.client)
    moved_reporter = Reporter(moved.test_client())
    _ready_to_send(moved_reporter)
    _refused(moved_reporter)

    wrong = _authenticate(
        moved,
        "--previous-secret-key",
        answer="n\n",
        env={"REPORTING_PREVIOUS_SECRET_KEY": "x" * 40},
    )
    assert wrong.exit_code == 1  # not verified under that one: the operator would be asked
    result = _authenticate(
        moved,
        "--previous-secret-key",
        env={"REPORTING_PREVIOUS_SECRET_KEY": app.config["SECRET_KEY"]},
    )
    assert result.exit_code == 0, result.output
    assert "Authenticated again under the new SECRET_KEY" in result.output
    assert "Authenticate these" not in result.output  # no question asked
    _sent_after_all(moved_reporter)
    database(moved).engine.dispose()
