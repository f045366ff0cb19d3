"""Fixtures: an app on a fresh database (SQLite, or PostgreSQL when
REPORTING_TEST_DATABASE_URL is set), a client speaking https, a reporter who walks the journey
the way a browser does, and the review team's keys. Plain helpers are in tests/helpers.py."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from reporting import create_app, keys, migrate
from reporting.db import database
from reporting.models import Base

from .helpers import TEST_DATABASE_URL, HttpsClient, Reporter, TeamKeys, base_config


def _reset_postgres(app: Flask) -> None:
    engine = database(app).engine
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


_pg_migrated = False


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy (migrating per test costs ~1 s)."""
    path = tmp_path_factory.mktemp("template") / "reporting.sqlite3"
    app = create_app({**base_config(path.parent), "DATABASE_URL": f"sqlite:///{path}"})
    engine = database(app).engine
    migrate.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def make_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Build apps on this test's database; the schema comes from the migrations."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        global _pg_migrated
        config = base_config(tmp_path)
        config.update(overrides)
        if not built and not TEST_DATABASE_URL and "DATABASE_URL" not in overrides:
            template = request.getfixturevalue("migrated_sqlite")
            shutil.copyfile(template, tmp_path / "reporting.sqlite3")
        app = create_app(config)
        engine = database(app).engine
        if not built and engine.dialect.name == "postgresql":
            if not _pg_migrated:
                _reset_postgres(app)
                migrate.upgrade(engine)
                _pg_migrated = True
            else:
                tables = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
                with engine.begin() as connection:
                    connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        elif not built and "DATABASE_URL" in overrides:
            migrate.upgrade(engine)
        built.append(app)
        return app

    yield build
    for app in built:
        database(app).engine.dispose()


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()


@pytest.fixture
def sqlite_app(make_app: Any, tmp_path: Path) -> Flask:
    """The app on a SQLite file even when the suite runs on PostgreSQL (for tests of what
    SQLite's own files hold)."""
    built: Flask = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/reporting.sqlite3")
    return built


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = HttpsClient
    return app.test_client()


@pytest.fixture
def team(app: Flask) -> TeamKeys:
    with database(app).session() as db:
        new = keys.create_team(db, slug="review", name="Review team", today=dt.date.today())
        db.commit()
        return TeamKeys({new.team_key.key_id: new.private_key}, new.recovery_code)


@pytest.fixture
def reporter(client: FlaskClient) -> Reporter:
    return Reporter(client)
