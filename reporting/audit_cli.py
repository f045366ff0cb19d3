"""Command: ``flask --app reporting audit verify``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import audit
from .db import database


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check that no audit entry was changed, deleted or inserted; exit 1 at the first break."""
    with database().session() as db:
        count, broken = audit.verify_chain(db)
    if broken is not None:
        click.echo(f"BROKEN at entry {broken.entry_id}: {broken.reason}")
        click.get_current_context().exit(1)
    click.echo(f"OK: {count} entries")
