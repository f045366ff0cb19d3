"""``flask --app reporting init``: the schema, the team key, the recovery code and the first
admin of a new instance (``initialise``, which ``demo`` uses too)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
import urllib.parse
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from . import credentials, keys, migrate
from .db import database
from .models import Team

RECOVERY_WORDS = """\
RECOVERY CODE - print this, or write it down, and lock it away now.
It is shown once and stored nowhere. With it an administrator can regain access to every
report if everyone who holds the team key is gone. Anyone holding it AND a copy of the
database can read every report: keep it apart from the server, somewhere only trusted people
can reach (a safe, a sealed envelope with the senior responsible officer)."""


def _decode_totp_secret(text: str | None) -> bytes | None:
    if not text:
        return None
    cleaned = text.replace(" ", "").upper()
    try:
        secret = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise click.BadParameter("must be base32", param_hint="--totp-secret") from None
    if len(secret) < 16:
        raise click.BadParameter("must be at least 128 bits", param_hint="--totp-secret")
    return secret


@dataclass(frozen=True)
class Initialised:
    """What ``init`` made: the recovery code and the first admin's sign-in details."""

    recovery_code: str
    email: str
    password: str | None  # None when it was given, so not echoed back
    totp_secret: str
    totp_uri: str

    def sign_in_lines(self) -> list[str]:
        lines = [f"  email:              {self.email}"]
        if self.password is not None:
            lines.append(f"  password:           {self.password}")
        lines.append(f"  authenticator key:  {self.totp_secret}")
        lines.append(f"  authenticator URI:  {self.totp_uri}")
        return lines


def initialise(email: str, name: str, password: str | None, totp_secret: str | None) -> Initialised:
    """Create the schema, the team key, the recovery code and the first admin.

    Raises ``click.ClickException`` on an initialised instance or a bad password or secret.
    """
    engine = database().engine
    config = current_app.config
    migrate.upgrade(engine)
    today = dt.date.today()
    with database().session() as db:
        if db.scalar(select(Team.id)) is not None:
            raise click.ClickException(
                "This instance is already initialised; refusing to create new keys over it."
            )
        generated_password = password is None
        password = password or secrets.token_urlsafe(18)
        try:
            account = credentials.create_account(
                db,
                email=email,
                name=name,
                role="admin",
                password=password,
                password_kdf=config["PASSWORD_KDF"],
                secret_key=config["SECRET_KEY"],
                today=today,
                totp_secret=_decode_totp_secret(totp_secret),
            )
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        team = keys.create_team(db, slug="review", name="Review team", today=today)
        keys.grant_team_key(
            db, user=account.user, team_key=team.team_key, private_key=team.private_key, today=today
        )
        db.commit()

    issuer = str(config["SERVICE_NAME"])
    label = urllib.parse.quote(f"{issuer}:{account.user.email}")
    uri = (
        f"otpauth://totp/{label}?secret={account.totp_secret_base32}"
        f"&issuer={urllib.parse.quote(issuer)}"
    )
    return Initialised(
        recovery_code=team.recovery_code,
        email=account.user.email,
        password=password if generated_password else None,
        totp_secret=account.totp_secret_base32,
        totp_uri=uri,
    )


def echo_recovery_code(code: str) -> None:
    click.echo(RECOVERY_WORDS)
    click.echo(f"\n    {code}\n")


@click.command("init")
@click.option(
    "--email",
    envvar="REPORTING_ADMIN_EMAIL",
    prompt="First admin's email",
    help="Email address of the first administrator.",
)
@click.option(
    "--name",
    envvar="REPORTING_ADMIN_NAME",
    default="Administrator",
    show_default=True,
    help="The first administrator's name.",
)
@click.option(
    "--password",
    envvar="REPORTING_ADMIN_PASSWORD",
    default=None,
    help="Their password (at least 12 characters); generated and printed if absent.",
)
@click.option(
    "--totp-secret",
    envvar="REPORTING_ADMIN_TOTP_SECRET",
    default=None,
    help="Their authenticator secret in base32; generated and printed if absent.",
)
@with_appcontext
def init_command(email: str, name: str, password: str | None, totp_secret: str | None) -> None:
    """Create the schema, the team key, the recovery code and the first admin."""
    made = initialise(email, name, password, totp_secret)
    click.echo("Initialised: schema, review team key, recovery key and first admin.\n")
    echo_recovery_code(made.recovery_code)
    click.echo("First administrator")
    click.echo("\n".join(made.sign_in_lines()))
