"""Fixtures: an app on a fresh database (SQLite, or PostgreSQL when
REPORTING_TEST_DATABASE_URL is set), a client speaking https, and a reporter who walks the
journey the way a browser does, CSRF tokens included."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import make_url

from reporting import create_app, crypto, keys, migrate
from reporting.db import database
from reporting.models import Base

TEST_DATABASE_URL = os.environ.get("REPORTING_TEST_DATABASE_URL")
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
PEPPER = "5f" * 32

# WTForms writes name, type, value; hand-written hidden inputs write name, value.
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def base_config(tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "RECEIPT_PEPPER": PEPPER,
        "DATABASE_URL": TEST_DATABASE_URL or f"sqlite:///{tmp_path}/reporting.sqlite3",
        # Fast KDFs come from test configuration only; production code paths are the same.
        "RECEIPT_KDF": crypto.FAST_TEST_KDF,
        "PASSWORD_KDF": crypto.FAST_TEST_KDF,
        "RATELIMIT_POST": "1000 per minute",
        "RATELIMIT_POST_NETWORK": "1000 per minute",
        "RATELIMIT_SUBMIT": "1000 per minute",
        "RATELIMIT_SUBMIT_NETWORK": "1000 per minute",
        "RATELIMIT_SIGN_IN": "1000 per minute",
    }


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


class HttpsClient(FlaskClient):
    """A test client that speaks https, as every real client does (Secure cookies)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["wsgi.url_scheme"] = "https"
        self.environ_base["REMOTE_ADDR"] = "203.0.113.77"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = HttpsClient
    return app.test_client()


@dataclass
class TeamKeys:
    """The review team's private keys by key id, as an officer's grant would unlock them."""

    private_keys: dict[str, bytes] = field(default_factory=dict)
    recovery_code: str = ""


@pytest.fixture
def team(app: Flask) -> TeamKeys:
    with database(app).session() as db:
        new = keys.create_team(db, slug="review", name="Review team", today=dt.date.today())
        db.commit()
        return TeamKeys({new.team_key.key_id: new.private_key}, new.recovery_code)


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = database(app).engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


# One answer for every question page that applies to it, in the journey's order; text
# answers carry a marker so tests can look for it.
def full_answers(marker: str = "") -> dict[str, dict[str, Any]]:
    m = marker
    return {
        "danger": {"danger": "no"},
        "reporting-as": {"reporter_type": "victim"},
        "what-happened": {"incident_types": ["verbal", "threats"]},
        "why": {"strands": ["religion", "race"]},
        "why-details": {"why_details": f"They shouted slurs {m}why"},
        "when": {"incident_date": ["12", "3", "2026"]},
        "time-of-day": {"time_of_day": "evening"},
        "still-happening": {"still_happening": "before"},
        "where": {"place_type": "street"},
        "district": {"district": "kettering"},
        "location": {"place": f"Outside the library {m}place"},
        "account": {"account": f"Two men followed me home {m}account"},
        "responsible": {"how_many": "two-to-four", "known_as": "stranger"},
        "responsible-description": {"description": f"Tall, red jacket {m}description"},
        "witnesses": {"witnesses": "yes"},
        "witness-details": {"witness_details": f"A shopkeeper {m}witness"},
        "harm": {"harm": f"A bruise on my arm {m}harm"},
        "impact": {
            "impact": f"I am scared to go out {m}impact",
            "support": ["talk", "victim-service"],
        },
        "police": {"told_police": "yes"},
        "crime-reference": {"crime_reference": f"CR{m}"[:40]},
        "contact": {"contact": "email"},
        "contact-details": {"email": f"person{m}@example.org"},
        "contact-language": {"language_needs": f"Polish interpreter {m}language"},
        "sharing": {"share_with_police": "without-details", "share_with_support": "yes"},
        "about": {"name": f"Sam {m}name", "age_band": "25-34"},
        "about-background": {
            "ethnicity": f"White Polish {m}ethnicity",
            "religion": f"Catholic {m}religion",
        },
        "about-identity": {
            "sexual_orientation": f"Gay {m}orientation",
            "gender": f"Man {m}gender",
        },
        "about-disability": {"disability": "prefer-not"},
    }


class Reporter:
    """Walks the journey through the test client like a browser: GET, read token, POST."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.last_html = ""

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        self.last_html = response.get_data(as_text=True)
        return response

    def start(self) -> Any:
        self.get("/")
        return self.client.post("/start", data={"csrf_token": csrf_token(self.last_html)})

    def answer(self, slug: str, data: Mapping[str, Any], *, change: bool = False) -> Any:
        path = f"/report/{slug}" + ("?change=1" if change else "")
        page = self.get(path)
        # 400: the page shows the errors of the last try on it.
        assert page.status_code in (200, 400), (slug, page.status_code, page.location)
        payload = {"csrf_token": csrf_token(self.last_html), **data}
        return self.client.post(path, data=payload)

    def answer_shown(self, slug: str, data: Mapping[str, Any], *, change: bool = False) -> Any:
        """Answer, then follow the redirect as a browser does: the page shown next."""
        response = self.answer(slug, data, change=change)
        if response.status_code in (302, 303):
            return self.get(response.location)
        return response

    def answer_all(self, answers: Mapping[str, Mapping[str, Any]]) -> None:
        for slug, data in answers.items():
            response = self.answer(slug, data)
            shown = response.get_data(as_text=True)[:3000]
            assert response.status_code in (302, 303), (slug, shown)

    def send(self) -> Any:
        """Send from the check page and follow the redirect to the receipt page, as a browser
        does (``response.history`` holds the POST's own answer)."""
        page = self.get("/report/check")
        assert page.status_code == 200
        response = self.client.post(
            "/report/check", data={"csrf_token": csrf_token(self.last_html)}, follow_redirects=True
        )
        self.last_html = response.get_data(as_text=True)
        return response


@pytest.fixture
def reporter(client: FlaskClient) -> Reporter:
    return Reporter(client)


def sqlite_files(app: Flask) -> list[Path]:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite" or not url.database:
        return []
    base = Path(url.database)
    return [p for p in (base, Path(f"{base}-wal"), Path(f"{base}-shm")) if p.exists()]


def database_bytes(app: Flask) -> bytes:
    """Everything stored: the SQLite file(s) and WAL, or every value of every PostgreSQL row."""
    files = sqlite_files(app)
    if files:
        return b"".join(path.read_bytes() for path in files)
    engine = database(app).engine
    chunks = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    chunks.append(value if isinstance(value, bytes) else str(value).encode())
    return b"\x00".join(chunks)
