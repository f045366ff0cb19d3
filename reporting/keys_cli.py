"""Commands: ``flask --app reporting keys rotate`` and ``keys recover``.

Secrets (a password, the recovery code) are read from a hidden prompt or an environment
variable, never from the command line, where they would end up in shell history and ``ps``.
"""

from __future__ import annotations

import datetime as dt
import os

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import crypto, keys, rotation
from .accounts import normalise_email
from .auth.signin import open_grants, unlock_private_key
from .db import database
from .models import TeamKey, User

PASSWORD_ENV = "REPORTING_ROTATE_PASSWORD"  # noqa: S105 - a variable name, not a password
RECOVERY_CODE_ENV = "REPORTING_RECOVERY_CODE"


@click.group("keys")
def keys_group() -> None:
    """Rotate team keys, and regain access with the recovery code."""


def _secret(env_name: str, prompt: str) -> str:
    value = os.environ.get(env_name)
    if value:
        return value
    return str(click.prompt(prompt, hide_input=True))


def _keys_by_password(db: Session, email: str) -> tuple[User, dict[str, bytes]]:
    """The team private keys an account's grants open, given its password."""
    password = _secret(PASSWORD_ENV, f"Password for {email}")
    user = db.scalar(select(User).where(User.email == normalise_email(email)))
    refused = click.ClickException("That email address and password do not open a team key.")
    if user is None or user.password_hash is None:
        raise refused
    if not crypto.verify_password(password, user.password_hash):
        raise refused
    if user.disabled or user.locked:
        raise click.ClickException("That account is disabled or locked.")
    try:
        private_key = unlock_private_key(user, password, current_app.config["PASSWORD_KDF"])
        return user, open_grants(db, user, private_key)
    except crypto.DecryptionError:
        raise refused from None


def _keys_by_recovery_code(db: Session) -> dict[str, bytes]:
    code = _secret(RECOVERY_CODE_ENV, "Recovery code")
    try:
        return keys.unlock_with_recovery_code(db, code)
    except crypto.CryptoError as error:
        raise click.ClickException(f"Recovery code refused: {error}") from None


@keys_group.command("rotate")
@click.option(
    "--team", "team_slug", default="review", show_default=True, help="The team whose key to rotate."
)
@click.option(
    "--email",
    default=None,
    help=f"Unlock the team key with this account's grant; its password is asked for (or read "
    f"from {PASSWORD_ENV}).",
)
@click.option(
    "--recovery-code",
    "use_recovery_code",
    is_flag=True,
    help=f"Unlock the team key with the recovery code instead; it is asked for (or read from "
    f"{RECOVERY_CODE_ENV}).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=rotation.DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Reports re-sealed per transaction.",
)
@with_appcontext
def rotate_command(
    team_slug: str, email: str | None, use_recovery_code: bool, batch_size: int
) -> None:
    """Give a team a new key pair and destroy the old one.

    Every report's data key is sealed to the new key (report bodies are not re-encrypted), and
    everyone who held the old key (but disabled accounts), and the recovery code, gets the new
    one. The old private key
    is destroyed only once every report opens with the new key; signed-in holders of the old
    key are signed out. Interrupted? Run the same command again: it resumes.

    You prove you hold the current key with --email (an account holding a grant for it, and
    its password) or --recovery-code. No authenticator code is asked for: this runs on the
    server, by someone who already has shell access to it.
    """
    if bool(email) == use_recovery_code:
        raise click.UsageError("Give exactly one of --email or --recovery-code.")
    with database().session() as db:
        actor_id: int | None = None
        if email:
            user, private_keys = _keys_by_password(db, email)
            actor_id, method = user.id, "password"
        else:
            private_keys = _keys_by_recovery_code(db)
            method = "recovery-code"

        def started(old: TeamKey, new: TeamKey, resumed: bool) -> None:
            if resumed:
                click.echo(
                    f"Resuming the rotation of team {team_slug}: {old.key_id} -> {new.key_id}."
                )
            else:
                click.echo(
                    f"New key {new.key_id} for team {team_slug} replaces {old.key_id}; "
                    "reports sent until the rotation ends are sealed to both."
                )

        def progress(done: int, total: int) -> None:
            click.echo(f"re-sealed {done} of {total}")

        try:
            result = rotation.rotate_team_key(
                db,
                team_slug=team_slug,
                private_keys=private_keys,
                today=dt.date.today(),
                actor_id=actor_id,
                method=method,
                batch_size=batch_size,
                on_start=started,
                on_progress=progress,
            )
        except (rotation.RotationError, keys.NoTeamKey) as error:
            db.rollback()
            raise click.ClickException(
                f"{error}. Every report still opens; nothing committed is lost."
            ) from None
    click.echo(
        f"Rotated team {result.team_slug}: key {result.new_key_id} is active and key "
        f"{result.old_key_id} is destroyed ({result.total} reports). Holders of the old key "
        "must sign in again."
    )


@keys_group.command("recover")
@click.option("--email", required=True, help="The admin to give every active team key.")
@with_appcontext
def recover_command(email: str) -> None:
    """Grant every active team key to an admin, with the recovery code.

    For when nobody who holds the team key can sign in. The admin must have set up their
    account (password and key pair) first. The code is asked for, or read from
    REPORTING_RECOVERY_CODE.
    """
    code = _secret(RECOVERY_CODE_ENV, "Recovery code")
    with database().session() as db:
        try:
            recovered = keys.recover_access(db, code=code, email=email, today=dt.date.today())
        except crypto.CryptoError as error:
            db.rollback()
            raise click.ClickException(f"Recovery code refused: {error}") from None
        except (keys.RecoveryRefused, keys.NoTeamKey) as error:
            db.rollback()
            raise click.ClickException(f"Recovery refused: {error}") from None
        db.commit()
    click.echo(
        f"Granted {len(recovered.granted)} team key(s) to {recovered.user.email}: "
        f"{', '.join(recovered.granted)}. They get them at their next sign-in."
    )
    if recovered.not_opened:
        click.echo(
            f"This recovery code does not open: {', '.join(recovered.not_opened)}.", err=True
        )
