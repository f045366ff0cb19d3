"""Commands: ``flask --app reporting audit verify | checkpoint | rekey``."""

from __future__ import annotations

from typing import TextIO

import click
from flask.cli import with_appcontext

from . import audit_check
from .db import database


@click.group("audit")
def audit_group() -> None:
    """The keyed hash chain of the audit log."""


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_text",
    help="A checkpoint line (from `audit checkpoint` or the log).",
)
@click.option("--checkpoint-file", type=click.File("r"), help="A file holding a checkpoint line.")
@with_appcontext
def verify_command(checkpoint_text: str | None, checkpoint_file: TextIO | None) -> None:
    """Check that no entry was changed, inserted or deleted; exit 1 and say what was found.

    With a checkpoint, also that the log still holds every entry it recorded.
    """
    if checkpoint_file is not None:
        checkpoint_text = checkpoint_file.read()
    with database().session() as db:
        checkpoint = None
        if checkpoint_text is not None:
            try:
                checkpoint = audit_check.parse_checkpoint(db, checkpoint_text)
            except audit_check.InvalidCheckpoint as error:
                raise click.BadParameter(str(error), param_hint="--checkpoint") from error
        verdict = audit_check.verify(db, checkpoint)
    click.echo(verdict.message)
    if not verdict.ok:
        click.get_current_context().exit(1)


@audit_group.command("checkpoint")
@with_appcontext
def checkpoint_command() -> None:
    """Print a signed checkpoint of the log (count and newest hash) to keep off this server."""
    with database().session() as db:
        verdict = audit_check.verify(db)
        if not verdict.ok:
            click.echo(verdict.message)
            click.echo("No checkpoint: the log does not verify.")
            click.get_current_context().exit(1)
        click.echo(audit_check.current_checkpoint(db))


@audit_group.command("rekey")
@click.option(
    "--accept-break",
    is_flag=True,
    help="Re-chain even though the old unkeyed chain does not verify (the break is recorded).",
)
@with_appcontext
def rekey_command(accept_break: bool) -> None:
    """Once after upgrading: verify the entries written before the chain was keyed and
    re-chain them under the key."""
    with database().session() as db:
        try:
            count = audit_check.rekey(db, accept_break=accept_break)
        except audit_check.LegacyChainBroken as error:
            click.echo(f"BROKEN: the log written before the upgrade does not verify: {error}.")
            click.echo("Nothing changed. Investigate; --accept-break re-chains it anyway.")
            click.get_current_context().exit(1)
        if count == 0:
            click.echo("Nothing to rekey: every entry is already keyed.")
            return
        db.commit()
        checkpoint = audit_check.current_checkpoint(db)
    click.echo(f"Rekeyed {count} entries. Keep this checkpoint off the server:")
    click.echo(checkpoint)
