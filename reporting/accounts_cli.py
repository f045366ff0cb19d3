"""Command: ``flask --app reporting accounts unlock --email ...``.

For when no other admin can sign in to unlock an account (the only admin locked, say).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import audit
from .auth import lockout
from .credentials import normalise_email
from .db import database
from .models import User


@click.group("accounts")
def accounts_group() -> None:
    """Staff accounts."""


@accounts_group.command("unlock")
@click.option("--email", required=True, help="The account's email address.")
@with_appcontext
def unlock_command(email: str) -> None:
    """Unlock an account and clear its failed sign-ins and any wait (audited)."""
    with database().session() as db:
        user = db.scalar(select(User).where(User.email == normalise_email(email)))
        if user is None:
            raise click.ClickException("No account has that email address.")
        was_locked, failures = lockout.unlock(db, user)
        audit.record(
            db,
            "account-unlocked",
            subject=f"user:{user.id}",
            via="command line",
            was_locked=was_locked,
            failures=failures,
        )
        db.commit()
    state = "it was locked" if was_locked else "it was not locked"
    click.echo(f"Unlocked {user.email} ({state}; {failures} failed sign-in(s) cleared).")
