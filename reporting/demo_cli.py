"""``flask --app reporting demo``: what `make run` does before serving, and says it did.

Initialises a new demo instance (printing its recovery code once, like ``init``), or upgrades
an existing one's schema, or does nothing; then prints the demo admin's sign-in details and
the addresses it will be served on. The demo keeps the admin's sign-in details in
``demo-admin.txt`` in the instance folder, and never the recovery code.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine, select

from . import audit, audit_check, init_cli, keyauth, migrate
from .db import database
from .models import AuditEntry, Team

DEMO_FILE = "demo-admin.txt"

DEMO_WARNING = """\
The demo admin of the `make run` instance. A demo convenience, NOT SAFE TO COPY:
with this file, anyone holding a copy of this instance folder (this file, config.py and the
database) can sign in as an admin and read every report in it. Use the demo instance only to
try the service on this machine, never for real reports, and do not copy or share it.
A real service is set up with `flask --app reporting init` (README, Deployment), which prints
these details once and stores them nowhere."""

_OLD_RECOVERY_MARK = "RECOVERY CODE"


def _rekey_audit_log() -> None:
    """An older demo's audit log was unkeyed: chain it under the key, as a deployment's
    administrator does once with `audit rekey` (a demo's log has nothing to protect)."""
    with database().session() as db:
        if db.scalar(select(AuditEntry.id).where(AuditEntry.version == audit.LEGACY).limit(1)):
            count = audit_check.rekey(db, accept_break=True)
            db.commit()
            click.echo(f"Keyed the demo's audit log ({count} entries), as `audit rekey` does.")


def _authenticate_team_keys() -> None:
    """An older demo's team keys had no MAC, and sends refuse such keys: authenticate them, as
    a deployment's administrator does once with `keys authenticate` after checking the list."""
    with database().session() as db:
        unchecked = [
            item.team_key
            for item in keyauth.review(db)
            if item.problem is not None and not item.refused
        ]
        if unchecked:
            done = keyauth.authenticate_rows(db, unchecked)
            db.commit()
            click.echo(
                f"Authenticated the demo's team keys ({len(done)}), as `keys authenticate` does."
            )


def _schema_state(engine: Engine) -> tuple[set[str], set[str]]:
    """The schema's current revisions and the migrations' heads."""
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(ScriptDirectory.from_config(migrate.alembic_config(engine)).get_heads())
    return current, heads


def _has_team(engine: Engine) -> bool:
    if not migrate.is_initialised(engine):
        return False
    with database().session() as db:
        return db.scalar(select(Team.id)) is not None


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``, readable by its owner only."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    temporary.replace(path)


def _forget_old_recovery_code(path: Path) -> bool:
    """An older `make run` kept init's whole output, recovery code included: drop it."""
    text = path.read_text(encoding="utf-8")
    if _OLD_RECOVERY_MARK not in text:
        return False
    _, marker, details = text.partition("First administrator")
    kept = [line for line in details.splitlines() if line.startswith("  ")] if marker else []
    _write_private(path, DEMO_WARNING + "\n\nSign-in details\n" + "\n".join(kept) + "\n")
    return True


@click.command("demo")
@click.option("--email", default="admin@example.org", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo_command(email: str, host: str, port: int) -> None:
    """Get the `make run` demo instance ready, and say what was done."""
    engine = database().engine
    instance = Path(current_app.instance_path)
    path = instance / DEMO_FILE
    if not _has_team(engine):
        made = init_cli.initialise(email, "Demo admin", None, None)
        click.echo(
            f"Initialised a new demo instance in {instance}: schema, review team key, "
            "recovery key and a demo admin.\n"
        )
        init_cli.echo_recovery_code(made.recovery_code)
        click.echo("The demo keeps no copy of this recovery code either.\n")
        details = "\n".join(made.sign_in_lines())
        _write_private(path, f"{DEMO_WARNING}\n\nSign-in details\n{details}\n")
    else:
        current, heads = _schema_state(engine)
        if current != heads:
            migrate.upgrade(engine)
            click.echo(
                f"Upgraded the demo instance in {instance}: its database schema was at "
                f"{', '.join(sorted(current)) or 'no revision'}, now at {', '.join(sorted(heads))}."
            )
            _rekey_audit_log()
            _authenticate_team_keys()
        else:
            click.echo(f"Nothing to do: the demo instance in {instance} is ready and up to date.")
        if path.exists() and _forget_old_recovery_code(path):
            click.echo(f"Removed the recovery code an older `make run` had kept in {path}.")
        click.echo()
    if path.exists():
        click.echo(f"From {path}:")
        click.echo(path.read_text(encoding="utf-8"))
    else:
        click.echo(f"There is no {DEMO_FILE} here: this instance was not set up by `make run`.\n")
    base = f"http://{host}:{port}"
    click.echo(f"Public start page:  {base}/")
    click.echo(f"Staff sign-in:      {base}/staff/sign-in")
