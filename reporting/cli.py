"""Commands: ``flask --app reporting init`` (init_cli.py), ``purge-drafts`` (here), ``keys``,
``audit`` and ``accounts`` groups, and ``demo`` (for `make run`)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from . import accounts_cli, audit_cli, demo_cli, drafts, follow_up, init_cli, keys_cli
from .auth import sessions as staff_sessions
from .db import checkpoint_wal, database


def init_app(app: Flask) -> None:
    app.cli.add_command(init_cli.init_command)
    app.cli.add_command(purge_drafts_command)
    app.cli.add_command(keys_cli.keys_group)
    app.cli.add_command(audit_cli.audit_group)
    app.cli.add_command(demo_cli.demo_command)
    app.cli.add_command(accounts_cli.accounts_group)


@click.command("purge-drafts")
@with_appcontext
def purge_drafts_command() -> None:
    """Delete drafts, receipt sessions and staff sessions idle past their end (run it from a
    scheduler); on SQLite, then empty the WAL, so no old version of a row outlives this run."""
    with database().session() as db:
        count = drafts.purge_expired(db)
        receipts = follow_up.purge_expired(db)
        ended = staff_sessions.purge_expired(db)
        db.commit()
    click.echo(
        f"Deleted {count} expired draft(s), {receipts} expired receipt session(s) and "
        f"{ended} expired staff session(s)."
    )
    checkpoint = checkpoint_wal(database().engine, wait=True)
    if checkpoint is not None and not checkpoint.done:
        click.echo("The SQLite WAL could not be emptied (a reader held it): the next run will.")
