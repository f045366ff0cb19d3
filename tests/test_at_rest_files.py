"""What a copy of a running server's database files holds: no answer the reporter removed that
a team-key holder can open, no time finer than a day of anything a reporter did, and no copy
of a destroyed key.

A thief copies the SQLite database with its ``-wal`` and ``-shm`` while the app runs (no
checkpoint, no clean shutdown). The row-level checks run on PostgreSQL as well; the file-level
ones are SQLite's (PostgreSQL's old row versions are out of the app's hands: see README).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import MetaData, select

from reporting import clock, credentials, crypto, drafts, keys
from reporting.db import database
from reporting.models import (
    ConsentChange,
    Draft,
    Grant,
    Message,
    ReceiptSession,
    RecoverySeal,
    ReportAddition,
    TeamKey,
    User,
)
from reporting.reports import data_key_context

from .draft_clock import DRAFT_COOKIE
from .helpers import SECRET_KEY, HttpsClient, Reporter, csrf_token, full_answers, sqlite_files
from .instance import ADMIN, initialise, keys_by_grant, rotate

REMOVED = "Zq7RemovedName"
KEPT = "Zq7KeptName"
_ENVELOPE = b"E" + bytes([crypto.FORMAT_VERSION]) + bytes(8)  # encrypt() without a key id
# How SQLite (and the text of a copy) spells a date and time.
_STAMP = re.compile(rb"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?")
# Tables a reporter's actions write to; any other timestamp belongs to staff or the audit log.
REPORTER_TABLES = (
    "drafts",
    "reports",
    "report_keys",
    "report_strands",
    "report_incident_types",
    "messages",
    "receipt_sessions",
    "report_additions",
    "consent_changes",
)
STAFF_STAMPS = {
    "audit_log": ("occurred_at",),
    "sessions": ("created_at", "last_seen_at", "expires_at"),
    "invitations": ("expires_at",),
    "users": ("sessions_revoked_at",),
    "notes": ("created_at",),
}


@pytest.fixture
def app(sqlite_app: Flask) -> Flask:
    """What a thief copies here is SQLite's files, so these tests (and the client, reporter
    and team fixtures they use) run on conftest's ``sqlite_app`` in both CI runs
    (test_reporter_rows_hold_no_time_finer_than_a_day runs on the suite's database)."""
    return sqlite_app


def _require_sqlite(app: Flask) -> list[Path]:
    files = sqlite_files(app)
    assert files, "the file-level tests need the SQLite files"
    return files


def thief_copy(app: Flask, where: Path) -> Path:
    """Copy the database, -wal and -shm as they are, while the app keeps them open."""
    where.mkdir()
    for path in sqlite_files(app):
        shutil.copyfile(path, where / path.name)
    return where


def copy_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir()))


def row_values(connection: sqlite3.Connection) -> bytes:
    """Every blob of every row as SQLite reads it from the copy. A row longer than a page
    (a report, with its keys) goes on in overflow pages, where a blob can be cut in two by a
    page's header: read whole here, as well as scanned for in the files (old versions)."""
    tables = [
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    ]
    values = []
    for table in tables:
        for row in connection.execute(f'SELECT * FROM "{table}"'):
            values += [value for value in row if isinstance(value, bytes)]
    return b"".join(values)


@pytest.fixture
def opened_copy(tmp_path: Path) -> Iterator[Any]:
    """Open a copy of a copy with sqlite3 (opening it replays the WAL into a reader's view)."""
    made: list[sqlite3.Connection] = []

    def open_copy(folder: Path) -> sqlite3.Connection:
        second = tmp_path / f"{folder.name}-opened-{len(made)}"
        shutil.copytree(folder, second)
        (database_file,) = [p for p in second.iterdir() if p.suffix == ".sqlite3"]
        connection = sqlite3.connect(database_file)
        made.append(connection)
        return connection

    yield open_copy
    for connection in made:
        connection.close()


def _cookie(reporter: Reporter) -> drafts.DraftCookie:
    cookie = drafts.DraftCookie.parse(reporter.client.get_cookie(DRAFT_COOKIE).value)
    assert cookie is not None
    return cookie


def _draft_blobs(app: Flask) -> list[bytes]:
    with database(app).session() as db:
        row = db.execute(select(Draft.answers, Draft.expiry, Draft.receipt)).one()
    return [blob for blob in row if blob]


def _answer_with_a_removed_name(app: Flask, reporter: Reporter) -> tuple[set[int], list[bytes]]:
    """Walk the journey typing a name on "about", then answer "about" again without it.

    Returns the length of every ciphertext the draft ever held (to find each version in the
    files) and the ciphertexts that held the removed name.
    """
    answers = full_answers()
    answers["about"] = {"name": REMOVED, "age_band": "25-34"}
    reporter.start()
    lengths = {len(blob) for blob in _draft_blobs(app)}
    with_name: list[bytes] = []
    named = False
    for slug, data in answers.items():
        assert reporter.answer(slug, data).status_code == 303, slug
        blobs = _draft_blobs(app)
        lengths |= {len(blob) for blob in blobs}
        named = named or slug == "about"
        if named:
            with_name.append(blobs[0])
    assert reporter.answer("about", {"name": KEPT, "age_band": "25-34"}).status_code == 303
    lengths |= {len(blob) for blob in _draft_blobs(app)}
    return lengths, with_name


def _aes_keys_a_team_key_holder_gets(connection: sqlite3.Connection, team: Any) -> list[bytes]:
    """Every data key the team's private keys open in the copy."""
    rows = connection.execute(
        "SELECT report_keys.report_id, team_keys.key_id, report_keys.sealed_data_key"
        " FROM report_keys JOIN team_keys ON team_keys.id = report_keys.team_key_id"
    ).fetchall()
    opened = []
    for report_id, key_id, sealed in rows:
        opened.append(
            crypto.open_sealed(
                team.private_keys[key_id], sealed, context=data_key_context(report_id, key_id)
            )
        )
    return opened


def _contexts(connection: sqlite3.Connection) -> list[bytes]:
    ids = [
        row[0] for row in connection.execute("SELECT id FROM drafts UNION SELECT id FROM reports")
    ]
    contexts = []
    for row_id in ids:
        contexts += [
            drafts.answers_context(row_id),
            f"draft:{row_id}:idle-expiry:v1".encode(),
            f"draft:{row_id}:sent-receipt:v1".encode(),
        ]
    return contexts


def _everything_opened(
    haystack: bytes, lengths: set[int], aes_keys: list[bytes], contexts: list[bytes]
) -> list[bytes]:
    """Every envelope in the bytes (at each of the lengths known to have been written) that
    any of the keys opens under any of the contexts."""
    opened = []
    for match in re.finditer(re.escape(_ENVELOPE), haystack):
        for length in lengths:
            candidate = haystack[match.start() : match.start() + length]
            for key in aes_keys:
                for context in contexts:
                    try:
                        opened.append(crypto.decrypt(key, candidate, context=context))
                    except crypto.DecryptionError:
                        continue
    return opened


def _stamps_in(haystack: bytes) -> set[bytes]:
    return {match.group(0) for match in _STAMP.finditer(haystack)}


def _staff_stamps(connection: sqlite3.Connection) -> set[bytes]:
    stamps: set[bytes] = set()
    for table, columns in STAFF_STAMPS.items():
        for column in columns:
            for (value,) in connection.execute(f"SELECT {column} FROM {table}"):
                if value is not None:
                    stamps.add(str(value).encode())
    return stamps


def _assert_no_fine_reporter_time(folder: Path, connection: sqlite3.Connection) -> None:
    """Every date-and-time in the files is midnight, or a staff or audit row's (which the
    copy's tables name: an older version of such a row holds the same time)."""
    fine = {
        stamp
        for stamp in _stamps_in(copy_bytes(folder))
        if not re.fullmatch(rb"\d{4}-\d{2}-\d{2}[ T]00:00:00(?:\.0+)?", stamp)
    }
    assert fine <= _staff_stamps(connection), fine - _staff_stamps(connection)


def test_a_copy_mid_journey_gives_a_team_key_holder_no_removed_answer_and_no_time(
    app: Flask, reporter: Reporter, team: Any, tmp_path: Path, opened_copy: Any
) -> None:
    _require_sqlite(app)
    lengths, _with_name = _answer_with_a_removed_name(app, reporter)
    folder = thief_copy(app, tmp_path / "mid-journey")
    connection = opened_copy(folder)
    haystack = copy_bytes(folder)
    contexts = _contexts(connection)

    team_keys = _aes_keys_a_team_key_holder_gets(connection, team)
    opened = _everything_opened(haystack, lengths, team_keys, contexts)
    assert not any(REMOVED.encode() in plaintext for plaintext in opened)
    assert REMOVED.encode() not in haystack
    _assert_no_fine_reporter_time(folder, connection)

    # The check can see old versions: the reporter's own cookie key (which no thief holds)
    # still opens the version with the name in this copy. Sending is what ends that.
    mine = _everything_opened(haystack, lengths, [_cookie(reporter).data_key], contexts)
    assert any(REMOVED.encode() in plaintext for plaintext in mine)
    assert any(KEPT.encode() in plaintext for plaintext in mine)


def test_a_copy_after_sending_and_purging_holds_no_removed_answer_for_any_key_and_no_time(
    app: Flask, reporter: Reporter, team: Any, tmp_path: Path, opened_copy: Any
) -> None:
    _require_sqlite(app)
    lengths, with_name = _answer_with_a_removed_name(app, reporter)
    cookie = _cookie(reporter)
    reporter.send()
    assert "HC-" in reporter.last_html
    lengths |= {len(blob) for blob in _draft_blobs(app)}
    (sent_key,) = crypto.hkdf_split(cookie.data_key, b"reporting/draft/sent-receipt-key/v1")

    # Just after sending: the report opens with the team key, as sent; nothing a team-key
    # holder can open holds the removed name, and nothing shows a time finer than a day.
    folder = thief_copy(app, tmp_path / "after-send")
    connection = opened_copy(folder)
    haystack = copy_bytes(folder) + row_values(connection)
    contexts = _contexts(connection)
    team_keys = _aes_keys_a_team_key_holder_gets(connection, team)
    opened = _everything_opened(haystack, lengths, team_keys, contexts)
    assert any(KEPT.encode() in plaintext for plaintext in opened)
    assert not any(REMOVED.encode() in plaintext for plaintext in opened)
    _assert_no_fine_reporter_time(folder, connection)

    # After the next purge run (every few minutes), not even the reporter's own key finds an
    # earlier version: the WAL is empty and the database file holds no part of one.
    output = app.test_cli_runner().invoke(args=["purge-drafts"]).output
    assert "could not be emptied" not in output
    folder = thief_copy(app, tmp_path / "after-purge")
    connection = opened_copy(folder)
    haystack = copy_bytes(folder) + row_values(connection)
    wal = [p for p in folder.iterdir() if p.name.endswith("-wal")]
    assert all(p.stat().st_size == 0 for p in wal), [p.stat().st_size for p in wal]
    for old in with_name:
        chunks = [old[i : i + 48] for i in range(0, len(old) - 48, 48)]
        assert not any(chunk in haystack for chunk in chunks)
    every_key = [*_aes_keys_a_team_key_holder_gets(connection, team), cookie.data_key, sent_key]
    opened = _everything_opened(haystack, lengths, every_key, _contexts(connection))
    assert any(KEPT.encode() in plaintext for plaintext in opened)
    assert not any(REMOVED.encode() in plaintext for plaintext in opened)
    _assert_no_fine_reporter_time(folder, connection)


def test_reporter_rows_hold_no_time_finer_than_a_day(make_app: Any) -> None:
    """Row level, on SQLite and PostgreSQL: a sent report, its sent state, a live draft, and
    the reporter back with the receipt (a receipt session and a message)."""
    app = make_app()  # the suite's database, not this module's SQLite
    app.test_client_class = HttpsClient
    with database(app).session() as db:
        keys.create_team(db, slug="review", name="Review team", today=dt.date.today())
        db.commit()
    reporter = Reporter(app.test_client())
    reporter.start()
    reporter.answer_all(full_answers())
    receipt = "".join(re.findall(r'app-receipt__group">(\d{4})<', reporter.send().text))
    back = Reporter(app.test_client())
    back.get("/replies")
    checked = back.client.post(
        "/replies", data={"csrf_token": csrf_token(back.last_html), "receipt": receipt}
    )
    assert checked.status_code == 303
    # Each form of the report page, from a fresh copy of it (each carries a one-use token).
    for path, data in (
        ("/replies/report/message", {"message": "Back again"}),
        ("/replies/report/add", {"addition": "And a week later"}),
        ("/replies/report/sharing", {"share_with_police": "no", "share_with_support": "no"}),
    ):
        back.get("/replies/report")
        token = re.search(r'name="form_token" value="([0-9a-f]+)"', back.last_html)
        assert token, "no form token"
        fields = {"csrf_token": csrf_token(back.last_html), "form_token": token.group(1)}
        sent = back.client.post(path, data={**fields, **data})
        assert sent.status_code == 303
        assert "govuk-error-summary" not in back.get("/replies/report").text, path
    other = Reporter(app.test_client())
    other.start()
    other.answer("danger", {"danger": "no"})
    engine = database(app).engine
    metadata = MetaData()
    metadata.reflect(engine, only=REPORTER_TABLES)
    seen = 0
    with engine.connect() as connection:
        for name in REPORTER_TABLES:
            for row in connection.execute(metadata.tables[name].select()).mappings():
                for column, value in row.items():
                    seen += 1
                    if isinstance(value, dt.datetime):
                        assert value.time() == dt.time(), (name, column, value)
                    elif isinstance(value, str):
                        assert not re.search(r"\d{2}:\d{2}:\d{2}", value), (name, column, value)
    assert seen > 20
    with database(app).session() as db:
        days = list(db.scalars(select(Draft.purge_on)))
        days += list(db.scalars(select(ReceiptSession.purge_on)))
        assert db.scalar(select(Message.written_on)) == clock.utcnow().date()
        assert db.scalar(select(ReportAddition.added_on)) == clock.utcnow().date()
        assert db.scalar(select(ConsentChange.changed_on)) == clock.utcnow().date()
    tomorrow = clock.utcnow().date() + dt.timedelta(days=1)
    assert days and all(isinstance(day, dt.date) and day <= tomorrow for day in days), days


def _expire(app: Flask, cookie: drafts.DraftCookie, when: dt.datetime) -> None:
    """Move the encrypted expiry only: the clear purge day stays where the app put it."""
    with database(app).session() as db:
        db.execute(Draft.__table__.update().values(expiry=drafts.seal_expiry(cookie, when)))
        db.commit()


def test_an_expired_draft_is_refused_and_deleted_though_its_purge_day_is_later(
    app: Flask, reporter: Reporter
) -> None:
    reporter.start()
    reporter.answer("danger", {"danger": "no"})
    _expire(app, _cookie(reporter), clock.utcnow() - dt.timedelta(seconds=1))
    page = reporter.get("/report/reporting-as")
    assert page.status_code == 410
    assert "Your answers have been deleted" in page.get_data(as_text=True)
    with database(app).session() as db:
        assert db.scalar(select(Draft.id)) is None


def test_keep_alive_does_not_bring_back_an_expired_draft(app: Flask, reporter: Reporter) -> None:
    reporter.start()
    token = csrf_token(reporter.get("/report/danger").get_data(as_text=True))
    _expire(app, _cookie(reporter), clock.utcnow() - dt.timedelta(seconds=1))
    response = reporter.client.post("/report/keep-alive", data={"csrf_token": token})
    assert response.status_code == 410
    with database(app).session() as db:
        assert db.scalar(select(Draft.id)) is None


def test_a_draft_cookie_with_the_wrong_key_cannot_delete_the_draft(
    app: Flask, reporter: Reporter
) -> None:
    reporter.start()
    cookie = _cookie(reporter)
    forged = drafts.DraftCookie(cookie.draft_id, crypto.new_data_key())
    reporter.client.set_cookie(DRAFT_COOKIE, forged.value())
    assert reporter.get("/report/danger").status_code == 410
    with database(app).session() as db:
        assert db.scalar(select(Draft.id)) == cookie.draft_id


def test_purge_deletes_from_the_purge_day_and_empties_the_wal(
    app: Flask, reporter: Reporter
) -> None:
    reporter.start()
    reporter.answer("danger", {"danger": "no"})
    expired = clock.utcnow() - dt.timedelta(minutes=5)
    drafts_clock = _cookie(reporter)
    with database(app).session() as db:
        db.execute(
            Draft.__table__.update().values(
                expiry=drafts.seal_expiry(drafts_clock, expired),
                purge_on=drafts.purge_day(expired),
            )
        )
        db.commit()
        last_moment = dt.datetime.combine(expired.date(), dt.time.max)
        assert drafts.purge_expired(db, now=last_moment) == 0
        purge_day = dt.datetime.combine(drafts.purge_day(expired), dt.time())
        assert drafts.purge_expired(db, now=purge_day) == 1
        db.commit()
    output = app.test_cli_runner().invoke(args=["purge-drafts"]).output
    assert "Deleted 0 expired draft(s)" in output
    assert "could not be emptied" not in output
    for path in sqlite_files(app):
        if path.name.endswith("-wal"):
            assert path.stat().st_size == 0


# --- Destroyed keys ------------------------------------------------------------------------------


def _assert_gone_from_files(app: Flask, secrets: list[bytes], tmp_path: Path) -> None:
    folder = thief_copy(app, tmp_path / "after")
    haystack = copy_bytes(folder)
    assert secrets
    for secret in secrets:
        assert secret[:64] not in haystack and secret[-64:] not in haystack


def test_revoked_grants_leave_no_sealed_key_in_the_files(app: Flask, tmp_path: Path) -> None:
    _require_sqlite(app)
    initialise(app)
    with database(app).session() as db:
        user = db.scalar(select(User).where(User.email == ADMIN))
        sealed = list(db.scalars(select(Grant.sealed_private_key)))
        before = thief_copy(app, tmp_path / "before")
        assert all(s[:64] in copy_bytes(before) for s in sealed)
        assert keys.revoke_grants(db, user.id)
        db.commit()
    _assert_gone_from_files(app, sealed, tmp_path)


def test_a_rotation_leaves_no_copy_of_the_destroyed_key_in_the_files(
    app: Flask, tmp_path: Path
) -> None:
    _require_sqlite(app)
    initialise(app)
    with database(app).session() as db:
        old = db.scalar(select(TeamKey).where(TeamKey.active.is_(True)))
        assert old is not None
        sealed = list(
            db.scalars(select(Grant.sealed_private_key).where(Grant.team_key_id == old.id))
        )
        sealed += list(
            db.scalars(
                select(RecoverySeal.sealed_private_key).where(RecoverySeal.team_key_id == old.id)
            )
        )
    result = rotate(app, "--email", ADMIN)
    assert result.exit_code == 0, result.output
    assert keys_by_grant(app)  # the admin holds the new key
    _assert_gone_from_files(app, sealed, tmp_path)


def test_new_credentials_leave_no_old_wrapping_of_the_private_key_in_the_files(
    app: Flask, tmp_path: Path
) -> None:
    """New credentials (a re-invitation) re-wrap the private key under the new password: the
    old wrapping, which the old password opens, must not stay in the files."""
    _require_sqlite(app)
    initialise(app)
    with database(app).session() as db:
        user = db.scalar(select(User).where(User.email == ADMIN))
        old = [user.private_key_encrypted, user.totp_secret_encrypted]
        credentials.set_credentials(
            user,
            password="another long passphrase 7361",
            password_kdf=crypto.FAST_TEST_KDF,
            secret_key=SECRET_KEY,
            totp_secret=b"0123456789abcdefghij",
        )
        db.commit()
    _assert_gone_from_files(app, old, tmp_path)
