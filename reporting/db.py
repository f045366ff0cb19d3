"""Database engine and the per-request session."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from . import audit, keyauth


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and enforced foreign keys."""
    connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


BUSY_TIMEOUT_MS = 5000
WAL_SIZE_LIMIT = 4 * 1024 * 1024


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows and the old copy of a rewritten row are zeroed in the file, not left in
    # free pages or free space of a page.
    cursor.execute("PRAGMA secure_delete=ON")
    # Whenever the WAL starts over (after a checkpoint, once no reader needs its frames), the
    # first commit cuts the file back to 4 MiB (the automatic checkpoint's 1000 pages): a big
    # transaction's frames do not stay in an unused tail. Not 0: regrowing the file at every
    # start-over cost writes a quarter of their throughput. The purge command empties it.
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


# --- Leaving nothing behind: the SQLite WAL ----------------------------------------------------

# Set on a session whose commit destroys key material a copy of the files must not keep: after
# the commit the WAL is checkpointed into the database file (where secure_delete has zeroed the
# old rows) and truncated. (Drafts' old versions wait for the purge command's checkpoint.)
_CHECKPOINT = "reporting.db.checkpoint_after_commit"
# Rows whose deletion or rewrite destroys key material (rotation, revoked grants, a password
# change or a recovery re-wraps a private key): any such statement or flush sets the flag.
_KEY_TABLES = frozenset({"grants", "recovery_seals", "team_keys", "report_keys", "sessions"})
_KEY_COLUMNS = {
    "users": ("private_key_encrypted", "key_salt", "password_hash", "totp_secret_encrypted"),
    "grants": ("sealed_private_key",),
    "recovery_seals": ("sealed_private_key",),
}


@dataclass(frozen=True)
class WalCheckpoint:
    """What ``PRAGMA wal_checkpoint(TRUNCATE)`` did: ``done`` when the WAL is now empty."""

    done: bool
    wal_frames: int
    checkpointed: int


def checkpoint_after_commit(db: Session) -> None:
    """Fold the WAL into the database file and empty it once ``db`` commits (SQLite only)."""
    db.info[_CHECKPOINT] = True


def checkpoint_wal(engine: Engine, *, wait: bool) -> WalCheckpoint | None:
    """Copy the WAL into the database file and truncate it to 0 bytes; None if not SQLite.

    ``wait``: wait (up to the busy timeout) for readers and a writer to finish, as the purge
    command does. Without it (after a request's commit) the checkpoint never waits: if a reader
    still needs the WAL it copies what it can and leaves the rest to the next one.
    """
    if engine.dialect.name != "sqlite":
        return None
    # The DB-API connection itself: a checkpoint cannot run inside a transaction, and it is
    # housekeeping, not one of the statements of the request that asked for it.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if not wait:
            cursor.execute("PRAGMA busy_timeout=0")
        try:
            busy, frames, checkpointed = cursor.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).fetchone()
        finally:
            if not wait:
                cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()
    finally:
        connection.close()
    return WalCheckpoint(done=busy == 0, wal_frames=frames, checkpointed=checkpointed)


def _statement_destroys_keys(state: ORMExecuteState) -> None:
    if state.is_delete or state.is_update:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _KEY_TABLES:
            checkpoint_after_commit(state.session)


def _flush_destroys_keys(db: Session, _context: UOWTransaction) -> None:
    for obj in db.deleted:
        if getattr(obj, "__tablename__", None) in _KEY_TABLES:
            checkpoint_after_commit(db)
            return
    for obj in db.dirty:
        columns = _KEY_COLUMNS.get(getattr(obj, "__tablename__", ""), ())
        attrs = inspect(obj).attrs
        if any(attrs[column].history.has_changes() for column in columns):
            checkpoint_after_commit(db)
            return


def _after_commit(db: Session) -> None:
    if db.info.pop(_CHECKPOINT, False):
        bind = db.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        checkpoint_wal(engine, wait=False)


def _after_rollback(db: Session) -> None:
    db.info.pop(_CHECKPOINT, None)


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str, session_info: Mapping[str, bytes] | None = None) -> None:
        self.engine = make_engine(url)
        # Every session gets its own copy of ``session_info`` (the audit chain's key).
        self.sessionmaker = sessionmaker(
            self.engine, expire_on_commit=False, info=dict(session_info or {})
        )
        event.listen(self.sessionmaker, "do_orm_execute", _statement_destroys_keys)
        event.listen(self.sessionmaker, "after_flush", _flush_destroys_keys)
        event.listen(self.sessionmaker, "after_commit", _after_commit)
        event.listen(self.sessionmaker, "after_rollback", _after_rollback)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session outside a request (CLI commands)."""
        with self.sessionmaker() as session:
            yield session


def init_app(app: Flask) -> None:
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
    # extensions and g are untyped: the annotations say what init_app and get_session put there.
    found: Database = (app or current_app).extensions["reporting.db"]
    return found


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
