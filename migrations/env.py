"""Alembic environment: the engine comes from the caller (reporting.migrate), never a URL here."""

from __future__ import annotations

from alembic import context

from reporting.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    # `alembic` run by hand: build the app so the configuration layers decide the database.
    from reporting import create_app
    from reporting.db import database

    engine = database(create_app()).engine

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations rebuild a SQLite table by dropping it; with foreign keys on, the
        # drop would cascade and delete every child row (report_strands, report_keys, ...).
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if sqlite:
        violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        if violations:
            raise RuntimeError(f"migration left broken foreign keys: {violations[:5]}")
