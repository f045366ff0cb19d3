"""`flask --app reporting keys rotate`: a new team key, every report re-sealed, the old key gone,
and a rotation killed half way leaves every report readable and resumes."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, delete, func, select, update

from reporting import (
    create_app,
    crypto,
    drafts,
    keys,
    recovery,
    reports,
    rotation,
    rotation_steps,
)
from reporting.auth import sessions
from reporting.config import receipt_pepper
from reporting.db import database
from reporting.models import (
    AuditEntry,
    Grant,
    RecoverySeal,
    Report,
    ReportKey,
    StaffSession,
    Team,
    TeamKey,
    User,
)

from .helpers import PEPPER, SECRET_KEY, HttpsClient, Reporter, base_config, full_answers
from .instance import (
    ADMIN,
    PASSWORD,
    Instance,
    active_key_ids,
    initialise,
    interrupt_after_first_batch,
    keys_by_grant,
    markers_opened,
    rotate,
    send_reports,
)
from .staff import create_user

ROOT = Path(__file__).resolve().parent.parent


# --- Helpers -------------------------------------------------------------------------------------


def send_report_through_the_journey(app: Flask, marker: str) -> None:
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    reporter.answer_all(full_answers(marker))
    assert reporter.send().status_code == 200


def sealed_key_ids(app: Flask) -> dict[str, set[str]]:
    """The team key ids each report's data key is sealed to."""
    with database(app).session() as db:
        rows = db.execute(
            select(ReportKey.report_id, TeamKey.key_id).join(
                TeamKey, ReportKey.team_key_id == TeamKey.id
            )
        ).all()
    sealed: dict[str, set[str]] = {}
    for report_id, key_id in rows:
        sealed.setdefault(report_id, set()).add(key_id)
    return sealed


def rows_for_key(app: Flask, key_id: str) -> dict[str, int]:
    with database(app).session() as db:
        team_key_id = db.scalar(select(TeamKey.id).where(TeamKey.key_id == key_id))
        return {
            model.__tablename__: db.scalar(
                select(func.count()).select_from(model).where(model.team_key_id == team_key_id)
            )
            for model in (ReportKey, Grant, RecoverySeal)
        }


def audit_actions(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    with database(app).session() as db:
        return [
            (entry.action, json.loads(entry.details))
            for entry in db.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def instance(app: Flask) -> Instance:
    return initialise(app)


# --- A whole rotation ----------------------------------------------------------------------------


def test_rotation_reseals_every_report_to_the_new_key_and_destroys_the_old(
    instance: Instance,
) -> None:
    app = instance.app
    send_report_through_the_journey(app, "journey1")
    send_report_through_the_journey(app, "journey2")
    send_reports(app, ["direct1", "direct2", "direct3"])
    (old_key_id,) = active_key_ids(app)
    before = markers_opened(app, keys_by_grant(app))
    with database(app).session() as db:
        answers_before = {r.id: r.answers for r in db.scalars(select(Report))}

    result = rotate(app, "--email", ADMIN, "--batch-size", "2")

    assert result.exit_code == 0, result.output
    assert "re-sealed 2 of 5" in result.output and "re-sealed 5 of 5" in result.output
    assert "Password for" in result.output and PASSWORD not in result.output
    (new_key_id,) = active_key_ids(app)
    assert new_key_id != old_key_id
    # The admin's grant now opens the new key only, and it opens every report.
    new_keys = keys_by_grant(app)
    assert set(new_keys) == {new_key_id}
    assert markers_opened(app, new_keys) == before
    assert all(ids == {new_key_id} for ids in sealed_key_ids(app).values())
    # Nothing that could open the old private key is left.
    assert rows_for_key(app, old_key_id) == {"report_keys": 0, "grants": 0, "recovery_seals": 0}
    with database(app).session() as db:
        old = db.scalar(select(TeamKey).where(TeamKey.key_id == old_key_id))
        assert old.active is False
        # Bodies are not re-encrypted: only the data keys were re-sealed.
        assert {r.id: r.answers for r in db.scalars(select(Report))} == answers_before
    rotated = [details for action, details in audit_actions(app) if action == "key-rotated"]
    assert rotated == [
        {
            "method": "password",
            "new_key": new_key_id,
            "old_key": old_key_id,
            "reports": 5,
            "sessions_ended": 0,
        }
    ]


def test_the_recovery_code_opens_the_new_key_after_rotation(instance: Instance) -> None:
    app = instance.app
    send_reports(app, ["a", "b"])
    assert rotate(app, "--email", ADMIN).exit_code == 0
    (new_key_id,) = active_key_ids(app)
    with database(app).session() as db:
        recovered = recovery.unlock_with_recovery_code(db, instance.recovery_code)
    assert set(recovered) == {new_key_id}
    assert sorted(markers_opened(app, recovered).values()) == ["a", "b"]


def test_rotation_with_the_recovery_code_from_the_environment(instance: Instance) -> None:
    app = instance.app
    send_reports(app, ["a"])
    (old_key_id,) = active_key_ids(app)
    result = app.test_cli_runner().invoke(
        args=["keys", "rotate", "--recovery-code"],
        env={"REPORTING_RECOVERY_CODE": instance.recovery_code},
    )
    assert result.exit_code == 0, result.output
    assert "Recovery code" not in result.output  # not prompted
    (new_key_id,) = active_key_ids(app)
    # The admin's grant was carried over to the new key although they took no part.
    admin_keys = keys_by_grant(app)
    assert set(admin_keys) == {new_key_id}
    assert list(markers_opened(app, admin_keys).values()) == ["a"]
    assert rows_for_key(app, old_key_id)["grants"] == 0
    assert audit_actions(app)[-1][1]["method"] == "recovery-code"


def test_new_reports_after_rotation_are_sealed_to_the_new_key_only(instance: Instance) -> None:
    app = instance.app
    assert rotate(app, "--email", ADMIN).exit_code == 0
    (new_key_id,) = active_key_ids(app)
    send_report_through_the_journey(app, "after")
    assert list(sealed_key_ids(app).values()) == [{new_key_id}]
    assert list(markers_opened(app, keys_by_grant(app)).values()) == ["after"]


def test_rotation_signs_out_holders_of_the_old_key(instance: Instance) -> None:
    app = instance.app
    with database(app).session() as db:
        admin = db.scalar(select(User).where(User.email == ADMIN))
        sessions.create_session(db, admin, keys_by_grant(app))
        db.commit()
    assert rotate(app, "--email", ADMIN).exit_code == 0
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(StaffSession)) == 0


def test_disabled_accounts_do_not_get_the_new_key(instance: Instance) -> None:
    app = instance.app
    (old_key_id,) = active_key_ids(app)
    old_private_key = keys_by_grant(app)[old_key_id]
    for email, disabled in (("leaver@example.org", True), ("stayer@example.org", False)):
        officer = create_user(
            app,
            "officer",
            email=email,
            name="Officer",
            password=PASSWORD,
            team_keys={old_key_id: old_private_key},
        )
        with database(app).session() as db:
            db.execute(update(User).where(User.id == officer.id).values(disabled=disabled))
            db.commit()

    assert rotate(app, "--email", ADMIN).exit_code == 0

    assert keys_by_grant(app, "leaver@example.org") == {}
    assert list(keys_by_grant(app, "stayer@example.org")) == active_key_ids(app)


def test_a_stale_grant_is_not_renewed_by_rotation(instance: Instance) -> None:
    """A user whose key pair was replaced needs a fresh grant from an admin, not a rotation."""
    app = instance.app
    with database(app).session() as db:
        admin = db.scalar(select(User).where(User.email == ADMIN))
        admin_id = admin.id
    reset = create_user(
        app,
        "officer",
        email="reset@example.org",
        name="Officer",
        password=PASSWORD,
        team_keys=keys_by_grant(app),
    )
    with database(app).session() as db:
        new_public_key = crypto.generate_keypair().public_key  # a new key pair
        db.execute(update(User).where(User.id == reset.id).values(public_key=new_public_key))
        db.commit()
    reset_id = reset.id

    assert rotate(app, "--email", ADMIN).exit_code == 0

    with database(app).session() as db:
        holders = set(db.scalars(select(Grant.user_id)))
    assert holders == {admin_id}
    assert reset_id not in holders


def test_a_wrong_password_rotates_nothing(instance: Instance) -> None:
    app = instance.app
    send_reports(app, ["a"])
    before = active_key_ids(app)
    result = rotate(app, "--email", ADMIN, password="not the password at all")
    assert result.exit_code != 0
    assert "do not open a team key" in result.output
    assert active_key_ids(app) == before
    assert not [a for a, _ in audit_actions(app) if a.startswith("key-rotat")]


def test_an_account_without_a_grant_cannot_rotate(instance: Instance) -> None:
    app = instance.app
    create_user(app, "officer", email="officer@example.org", name="Officer", password=PASSWORD)
    before = active_key_ids(app)
    result = rotate(app, "--email", "officer@example.org")
    assert result.exit_code != 0
    assert "do not open team key" in result.output
    assert active_key_ids(app) == before


def test_rotate_needs_exactly_one_way_to_unlock(instance: Instance) -> None:
    runner = instance.app.test_cli_runner()
    neither = runner.invoke(args=["keys", "rotate"])
    both = runner.invoke(args=["keys", "rotate", "--email", ADMIN, "--recovery-code"])
    assert neither.exit_code == 2 and both.exit_code == 2
    assert "exactly one of --email or --recovery-code" in neither.output
    unknown_team = rotate(instance.app, "--email", ADMIN, "--team", "police")
    assert unknown_team.exit_code == 1 and "no team 'police'" in unknown_team.output


def test_rotate_help_says_why_no_authenticator_code_is_asked(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["keys", "rotate", "--help"])
    assert result.exit_code == 0
    assert "No authenticator code is asked for" in " ".join(result.output.split())


# --- Interrupted, then resumed -------------------------------------------------------------------


def test_an_interrupted_rotation_leaves_every_report_readable_and_resumes(
    instance: Instance,
) -> None:
    app = instance.app
    send_reports(app, [f"r{i}" for i in range(5)])
    (old_key_id,) = active_key_ids(app)
    old_keys = keys_by_grant(app)
    expected = markers_opened(app, old_keys)

    interrupt_after_first_batch(app, old_keys, batch_size=2)

    # Half way: both keys active, and the admin and the recovery code already hold the new one.
    old_id, new_key_id = active_key_ids(app)
    assert old_id == old_key_id
    both_keys = keys_by_grant(app)
    assert set(both_keys) == {old_key_id, new_key_id}
    with database(app).session() as db:
        assert set(recovery.unlock_with_recovery_code(db, instance.recovery_code)) == set(both_keys)
    # Every report still opens with the old key; the first batch opens with the new key too.
    assert markers_opened(app, {old_key_id: both_keys[old_key_id]}) == expected
    sealed = sealed_key_ids(app)
    resealed = [rid for rid, ids in sealed.items() if ids == {old_key_id, new_key_id}]
    assert len(resealed) == 2
    assert all(old_key_id in ids for ids in sealed.values())
    new_only = {new_key_id: both_keys[new_key_id]}
    with database(app).session() as db:
        for report_id in resealed:
            assert reports.open_report(db, db.get(Report, report_id), new_only)

    # A report sent mid-rotation is sealed to both keys.
    send_report_through_the_journey(app, "midway")
    (midway_id,) = set(sealed_key_ids(app)) - set(sealed)
    assert sealed_key_ids(app)[midway_id] == {old_key_id, new_key_id}
    expected[midway_id] = "midway"

    result = rotate(app, "--email", ADMIN, "--batch-size", "2")

    assert result.exit_code == 0, result.output
    assert "Resuming the rotation" in result.output
    assert "re-sealed 6 of 6" in result.output
    assert active_key_ids(app) == [new_key_id]
    assert markers_opened(app, new_only) == expected
    assert set(keys_by_grant(app)) == {new_key_id}
    assert rows_for_key(app, old_key_id) == {"report_keys": 0, "grants": 0, "recovery_seals": 0}
    actions = [action for action, _ in audit_actions(app)]
    assert actions.count("key-rotation-started") == 1 and actions.count("key-rotated") == 1


def test_resuming_needs_the_new_key_as_well(instance: Instance) -> None:
    """Someone who holds only the old key cannot finish a rotation and destroy it."""
    app = instance.app
    send_reports(app, ["a", "b", "c"])
    old_keys = keys_by_grant(app)
    interrupt_after_first_batch(app, old_keys, batch_size=1)
    with database(app).session() as db, pytest.raises(rotation.KeyNotHeld):
        rotation.rotate_team_key(
            db, team_slug="review", private_keys=old_keys, today=dt.date.today()
        )
    assert len(active_key_ids(app)) == 2


def test_a_private_key_that_does_not_match_is_refused(instance: Instance) -> None:
    app = instance.app
    (old_key_id,) = active_key_ids(app)
    impostor = {old_key_id: crypto.generate_keypair().private_key}
    with database(app).session() as db, pytest.raises(rotation.KeyNotHeld):
        rotation.rotate_team_key(
            db, team_slug="review", private_keys=impostor, today=dt.date.today()
        )
    assert active_key_ids(app) == [old_key_id]


def test_the_last_step_reseals_a_report_that_arrived_sealed_to_the_old_key_alone(
    instance: Instance,
) -> None:
    """A report sent by a request that read the active keys before the rotation started, and
    reached the database after the last batch: the last step seals it before destroying."""
    app = instance.app
    send_reports(app, ["early"])
    old_keys = keys_by_grant(app)
    interrupt_after_first_batch(app, old_keys, batch_size=1)
    old_key_id, new_key_id = active_key_ids(app)
    (late_id,) = send_reports(app, ["late"])
    both_keys = keys_by_grant(app)
    with database(app).session() as db:
        old, new = (
            db.scalar(select(TeamKey).where(TeamKey.key_id == key_id))
            for key_id in (old_key_id, new_key_id)
        )
        db.execute(
            delete(ReportKey).where(ReportKey.report_id == late_id, ReportKey.team_key_id == new.id)
        )
        late, total = rotation_steps.finish_rotation(
            db,
            team=db.scalar(select(Team)),
            old=old,
            new=new,
            old_private_key=both_keys[old_key_id],
            new_private_key=both_keys[new_key_id],
            today=dt.date.today(),
        )
        db.commit()
    assert (late, total) == (1, 2)
    new_only = {new_key_id: both_keys[new_key_id]}
    assert sorted(markers_opened(app, new_only).values()) == ["early", "late"]
    assert active_key_ids(app) == [new_key_id]


# --- A real kill ---------------------------------------------------------------------------------

# Registers the command groups if cli.init_app does not yet, then runs the flask CLI.
_FLASK_CLI = """
import sys
from flask.cli import FlaskGroup
from reporting import audit_cli, create_app, keys_cli

def make():
    app = create_app()
    for group in (keys_cli.keys_group, audit_cli.audit_group):
        if group.name not in app.cli.commands:
            app.cli.add_command(group)
    return app

FlaskGroup(create_app=make).main(sys.argv[1:], prog_name="flask")
"""


def _subprocess_env(app: Flask, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTING_")}
    env.update(
        PYTHONUNBUFFERED="1",
        REPORTING_INSTANCE_PATH=str(tmp_path / "instance"),
        REPORTING_SECRET_KEY=SECRET_KEY,
        REPORTING_RECEIPT_PEPPER=PEPPER,
        REPORTING_DATABASE_URL=app.config["DATABASE_URL"],
        REPORTING_PASSWORD_KDF="[8,1,1]",
        REPORTING_RECEIPT_KDF="[8,1,1]",
        REPORTING_ALLOW_TEST_KDF="true",
        REPORTING_ROTATE_PASSWORD=PASSWORD,
    )
    return env


def _flask_command(tmp_path: Path) -> list[str]:
    wired = "keys" in create_app(base_config(tmp_path)).cli.commands
    if wired:
        return [sys.executable, "-m", "flask", "--app", "reporting"]
    return [sys.executable, "-c", _FLASK_CLI]


def test_a_rotation_killed_mid_way_leaves_every_report_readable_and_resumes(
    instance: Instance, tmp_path: Path
) -> None:
    app = instance.app
    send_reports(app, [f"k{i}" for i in range(300)])
    (old_key_id,) = active_key_ids(app)
    expected = markers_opened(app, keys_by_grant(app))
    command = [*_flask_command(tmp_path), "keys", "rotate", "--email", ADMIN]

    process = subprocess.Popen(
        [*command, "--batch-size", "1"],
        cwd=ROOT,
        env=_subprocess_env(app, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    output = []
    try:
        assert process.stdout is not None
        # Kill it as soon as it reports re-sealing; if it has already finished, so be it.
        for line in process.stdout:
            output.append(line)
            if line.startswith("re-sealed"):
                process.send_signal(signal.SIGKILL)
                break
        process.wait()
    finally:
        watchdog.cancel()
    assert any(line.startswith("re-sealed") for line in output), "".join(output)
    assert process.returncode in (0, -signal.SIGKILL), "".join(output)

    # Whatever moment it died at, every report opens with the keys the admin holds.
    assert markers_opened(app, keys_by_grant(app)) == expected
    active = active_key_ids(app)
    in_progress = len(active) == 2
    assert active[0] == old_key_id if in_progress else active != [old_key_id]

    second = subprocess.run(
        command,
        cwd=ROOT,
        env=_subprocess_env(app, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert ("Resuming the rotation" in second.stdout) == in_progress
    (new_key_id,) = active_key_ids(app)
    assert new_key_id != old_key_id
    assert markers_opened(app, {new_key_id: keys_by_grant(app)[new_key_id]}) == expected
    assert rows_for_key(app, old_key_id) == {"report_keys": 0, "grants": 0, "recovery_seals": 0}


def test_rotating_twice_in_a_row_keeps_every_report_readable(instance: Instance) -> None:
    app = instance.app
    send_reports(app, ["a", "b"])
    first_key = active_key_ids(app)
    assert rotate(app, "--email", ADMIN).exit_code == 0
    assert rotate(app, "--email", ADMIN).exit_code == 0
    keys_now = keys_by_grant(app)
    assert len(keys_now) == 1 and set(keys_now) != set(first_key)
    assert sorted(markers_opened(app, keys_now).values()) == ["a", "b"]
    with database(app).session() as db:
        assert db.scalar(select(func.count()).select_from(TeamKey)) == 3
        assert db.scalar(select(func.count()).select_from(Team)) == 1


def test_granting_during_a_rotation_needs_every_active_key(app) -> None:
    """An admin holding only the old key must not hand out a key about to be destroyed."""
    officer = create_user(
        app, "officer", email="o@example.org", name="O", password="long enough pass"
    )
    with database(app).session() as db:
        new = keys.create_team(db, slug="review", name="Review", today=dt.date.today())
        db.flush()
        second = TeamKey(
            team_id=new.team.id,
            key_id="0123456789abcdef",
            public_key=new.team_key.public_key,
            active=True,
            created_on=dt.date.today(),
        )
        db.add(second)
        with pytest.raises(keys.NoTeamKeyHeld):
            keys.grant_held_team_keys(
                db,
                user=db.get(User, officer.id),
                held={new.team_key.key_id: new.private_key},
                today=dt.date.today(),
            )


# --- A report sent while a rotation completes ----------------------------------------------------


def test_a_send_racing_a_whole_rotation_is_never_sealed_only_to_the_destroyed_key(
    instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving, made explicit: the send has read its draft and is deriving its
    receipt (the slow part, before its first write) when a rotation runs from start to end,
    destroying the key that was the only active one when the send began. The send must seal
    to the key active when it commits: before, it was sealed to the destroyed key alone."""
    app = instance.app
    (old_key_id,) = active_key_ids(app)
    private_keys = keys_by_grant(app)
    with database(app).session() as db:
        cookie = drafts.start_draft(db, idle_minutes=60)
        db.flush()
        answers = {"account": {"account": "Followed home racingaccount"}}
        drafts.save_answers(db, cookie, answers, idle_minutes=60)
        db.commit()
    derive = crypto.derive_receipt_secrets
    rotated: list[rotation.RotationResult] = []
    rotation_engine = database(app).engine
    if rotation_engine.dialect.name == "postgresql":
        # Before the fix the send held a lock the last step waits for: fail, do not hang.
        rotation_engine = create_engine(
            app.config["DATABASE_URL"], connect_args={"options": "-c lock_timeout=5s"}
        )

    def rotation_meanwhile(*args: Any, **kwargs: Any) -> crypto.ReceiptSecrets:
        derived = derive(*args, **kwargs)
        if not rotated:
            with database(app).sessionmaker(bind=rotation_engine) as db:
                rotated.append(
                    rotation.rotate_team_key(
                        db, team_slug="review", private_keys=private_keys, today=dt.date.today()
                    )
                )
                db.commit()
        return derived

    monkeypatch.setattr(crypto, "derive_receipt_secrets", rotation_meanwhile)
    with database(app).session() as db:
        shown = reports.send_report(
            db,
            cookie,
            answers,
            pepper=receipt_pepper(app.config),
            receipt_kdf=app.config["RECEIPT_KDF"],
            today=dt.date.today(),
        )
        db.commit()
        report_id = db.scalar(select(Report.id).where(Report.reference == shown.reference))

    if rotation_engine is not database(app).engine:
        rotation_engine.dispose()
    assert rotated and rotated[0].old_key_id == old_key_id
    (new_key_id,) = active_key_ids(app)
    assert sealed_key_ids(app)[report_id] == {new_key_id}
    new_keys = keys_by_grant(app)
    assert set(new_keys) == {new_key_id}
    assert markers_opened(app, new_keys) == {report_id: "racing"}
