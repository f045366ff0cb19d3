"""Shared helpers for the tests: plain functions, classes and constants, no fixtures (those are
in conftest.py). The test app's configuration, a client speaking https, the CSRF token of a
page, one answer for every question page, a reporter who walks the journey the way a browser
does (send_report walks it whole), the Content-Security-Policy every response carries, and
everything a database stores as bytes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import make_url

from reporting import crypto
from reporting.db import database

TEST_DATABASE_URL = os.environ.get("REPORTING_TEST_DATABASE_URL")
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
PEPPER = "5f" * 32
# The Content-Security-Policy every response carries.
EXPECTED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)

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
        "RATELIMIT_RECEIPT_NETWORK": "1000 per minute",
        "RATELIMIT_RECEIPT_GLOBAL": "1000 per minute",
    }


class HttpsClient(FlaskClient):
    """A test client that speaks https, as every real client does (Secure cookies)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["wsgi.url_scheme"] = "https"
        self.environ_base["REMOTE_ADDR"] = "203.0.113.77"


@dataclass
class TeamKeys:
    """The review team's private keys by key id, as an officer's grant would unlock them."""

    private_keys: dict[str, bytes] = field(default_factory=dict)
    recovery_code: str = ""


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


def send_report(app: Flask, marker: str, **answers: dict[str, Any]) -> str:
    """Walk the public journey as a reporter; return the reference shown at the end."""
    app.test_client_class = HttpsClient
    reporter = Reporter(app.test_client())
    reporter.start()
    reporter.answer_all({**full_answers(marker), **answers})
    html = reporter.send().get_data(as_text=True)
    match = re.search(r"HC-[0-9A-Z]{4}-[0-9A-Z]{4}", html)
    assert match, html[:2000]
    return match.group(0)
