"""Commands: ``flask --app reporting keys rotate``, ``keys recover`` and ``keys authenticate``.

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

from . import audit, crypto, keyauth, keys, recovery, rotation
from .auth.signin import open_grants
from .credentials import normalise_email, unlock_private_key
from .db import database
from .models import TeamKey, User

PASSWORD_ENV = "REPORTING_ROTATE_PASSWORD"  # noqa: S105 - a variable name, not a password
RECOVERY_CODE_ENV = "REPORTING_RECOVERY_CODE"
PREVIOUS_SECRET_ENV = "REPORTING_PREVIOUS_SECRET_KEY"  # noqa: S105 - a variable name
UNTRUSTED = (keyauth.UntrustedTeamKey, keyauth.KeyAuthenticationUnavailable)


@click.group("keys")
def keys_group() -> None:
    """Rotate team keys, regain access with the recovery code, authenticate key rows."""


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
        return recovery.unlock_with_recovery_code(db, code)
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
        except (rotation.RotationError, keys.NoTeamKey, *UNTRUSTED) as error:
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
            recovered = recovery.recover_access(db, code=code, email=email, today=dt.date.today())
        except crypto.CryptoError as error:
            db.rollback()
            raise click.ClickException(f"Recovery code refused: {error}") from None
        except (recovery.RecoveryRefused, keys.NoTeamKey, *UNTRUSTED) as error:
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


def _describe(item: keyauth.KeyReview) -> str:
    key = item.team_key
    status = "active" if key.active else "retired"
    return (
        f"  {key.key_id}  team {item.team_slug}, {status}, created {key.created_on}, "
        f"{item.reports} report(s) sealed to it, {item.holders} holder(s): {item.problem}"
    )


@keys_group.command("authenticate")
@click.option(
    "--key-id",
    "key_ids",
    multiple=True,
    help="Authenticate exactly this key (repeat for several), without asking: for automation, "
    "once you have checked the key ids.",
)
@click.option(
    "--previous-secret-key",
    "use_previous",
    is_flag=True,
    help=f"After changing SECRET_KEY: keys authenticated under the previous one (asked for, or "
    f"read from {PREVIOUS_SECRET_ENV}) are authenticated again under the new one.",
)
@with_appcontext
def authenticate_command(key_ids: tuple[str, ...], use_previous: bool) -> None:
    """Authenticate team key rows that have no valid authentication code.

    Run once after upgrading to a version with authenticated team keys (until then no report
    can be sent), and after changing SECRET_KEY (with --previous-secret-key). It lists every
    key it would authenticate and asks first: anyone who could write to the database may have
    added a key row, and authenticating it would seal every later report to it. A key whose
    key id is not its public key's is never authenticated. Running it again changes nothing.
    """
    previous = None
    if use_previous:
        previous = keyauth.mac_key_for(_secret(PREVIOUS_SECRET_ENV, "Previous SECRET_KEY"))
    with database().session() as db:
        reviewed = keyauth.review(db, previous)
        refused = [item for item in reviewed if item.problem and item.refused]
        carried = [item for item in reviewed if item.under_previous_secret and not item.refused]
        waiting = [
            item
            for item in reviewed
            if item.problem and not item.refused and not item.under_previous_secret
        ]
        for item in refused:
            click.echo(f"NOT authenticated, ever:\n{_describe(item)}", err=True)
        unknown = sorted(set(key_ids) - {item.team_key.key_id for item in waiting})
        if unknown:
            raise click.ClickException(
                f"Not a key waiting to be authenticated: {', '.join(unknown)}. Nothing changed."
            )
        chosen = [item for item in waiting if not key_ids or item.team_key.key_id in key_ids]
        if chosen and not key_ids:
            click.echo("These team keys have no valid authentication code:")
            click.echo("\n".join(_describe(item) for item in chosen))
            click.echo(
                "Authenticate only keys you recognise: the key ids `init` and `keys rotate` "
                "printed, or the key-rotation entries of the audit log. A key you do not "
                "recognise may have been added by someone who can write to the database: "
                "answer no, and investigate before anything else."
            )
            click.confirm(f"Authenticate these {len(chosen)} key(s)?", default=False, abort=True)
        done = keyauth.authenticate_rows(db, [item.team_key for item in carried + chosen])
        if done:
            audit.record(db, "team-keys-authenticated", subject=None, keys=done)
        db.commit()
    if carried:
        ids = ", ".join(item.team_key.key_id for item in carried)
        click.echo(f"Authenticated again under the new SECRET_KEY: {ids}.")
    if chosen:
        click.echo(f"Authenticated: {', '.join(item.team_key.key_id for item in chosen)}.")
    left = [item.team_key.key_id for item in waiting if item not in chosen]
    if left:
        click.echo(f"Left unauthenticated: {', '.join(left)}.")
    if not done and not refused and not left:
        click.echo("Every team key is authenticated; nothing to do.")
    if refused:
        raise click.ClickException(
            "Some key rows are not genuine (listed above); reports cannot be sent while one of "
            "them is active. Find out how they got there before deleting them."
        )
