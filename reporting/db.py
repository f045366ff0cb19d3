"""Database engine and the per-request session."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and enforced foreign keys."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted drafts must not linger in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str, session_info: Mapping[str, Any] | None = None) -> None:
        self.engine = make_engine(url)
        # Every session gets its own copy of ``session_info`` (the audit chain's key).
        self.sessionmaker = sessionmaker(
            self.engine, expire_on_commit=False, info=dict(session_info or {})
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session outside a request (CLI commands)."""
        with self.sessionmaker() as session:
            yield session


def init_app(app: Flask) -> None:
    from . import audit, keyauth  # they need the models, which need this module

    audit.log_heads_to_stderr()
    # Keys derived from SECRET_KEY, never in the database they protect: the audit chain's,
    # and the one that authenticates team key rows.
    info = {
        audit.KEY_INFO: audit.chain_key(app.config["SECRET_KEY"]),
        **keyauth.session_info(str(app.config["SECRET_KEY"])),
    }
    app.extensions["reporting.db"] = Database(app.config["DATABASE_URL"], session_info=info)
    app.teardown_appcontext(_close_session)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["reporting.db"]


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
