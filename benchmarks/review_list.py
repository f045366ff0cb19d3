"""Benchmark the officers' review list at 1,000 and at 100,000 reports.

Run from the repository root (about 1-2 minutes on SQLite, as long again on PostgreSQL)::

    .venv/bin/python benchmarks/review_list.py
    .venv/bin/python benchmarks/review_list.py --postgres postgresql+psycopg://postgres@127.0.0.1/db

What it does:

1. Builds the app with ``create_app`` on a throwaway database: SQLite in a temp dir, and with
   ``--postgres URL`` also a fresh schema inside that database (created and dropped here; the
   database's other schemas are not touched). The schema comes from the migrations.
2. Creates an officer and signs in through /staff/sign-in with a real TOTP code, in-process
   through Flask's test client (https, as a browser would).
3. Inserts 1,000 reports (clear columns, one hate strand each, and dummy ciphertexts of a
   realistic size: the answers and the reporter's public key make a row ~3 KB, which matters
   to SQLite, whose rows then fill a page each), and times the list page and one filtered list
   (``status=new&district=kettering&strand=race``) and the overdue reports
   (``first_look=overdue``) and those new since the officer last looked (``seen=new``: the
   last 50 to arrive, received today): median of --repeat requests after a warm-up. Each
   report has its first-look clock (due 2 working days after arrival; looked at within days,
   except half the "new" ones), so the page shows due dates and overdue markers as it does in
   service.
   Then tops up to 100,000 reports and times both again. PostgreSQL gets VACUUM ANALYZE after each
   load, as autovacuum would;
   SQLite gets no ANALYZE, as the app runs none.
4. Times the list's two queries on their own too (counts per status, each stopping at
   ``casework.listing.COUNT_CAP``, and the page), so the figures show where the time goes.
5. Prints each median, and the ratio 100k/1k beside the target (< 2).

Exit status: always 0 (a benchmark reports; it does not fail a build). The temp dir and the
PostgreSQL schema are removed in every case.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reporting import clocks, create_app, credentials, crypto, migrate  # noqa: E402
from reporting.auth import totp  # noqa: E402
from reporting.casework import listing, seen  # noqa: E402
from reporting.config import HATE_STRANDS, NORTHAMPTONSHIRE_DISTRICTS  # noqa: E402
from reporting.db import database  # noqa: E402
from reporting.models import Report, ReportStrand  # noqa: E402
from reporting.reports import REFERENCE_ALPHABET  # noqa: E402

SMALL, LARGE = 1_000, 100_000
TARGET_RATIO = 2.0
PASSWORD = "benchmark passphrase, long enough"
LIST = "/staff/reports/"
FILTERED = "/staff/reports/?status=new&district=kettering&strand=race"
FILTERS = listing.ListFilters(status="new", district="kettering", strand="race")
OVERDUE = "/staff/reports/?first_look=overdue"
NEW_TO_ME = "/staff/reports/?seen=new"
STATUS_WEIGHTS = {"new": 10, "in-review": 10, "referred": 15, "closed": 65}
REPORTER_TYPES = ["victim", "witness", "someone-else", "centre"]
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Figures:
    size: int
    list_ms: float
    filtered_ms: float
    overdue_ms: float
    new_ms: float
    queries: dict[str, float] = field(default_factory=dict)


def reference_for(number: int) -> str:
    chars = []
    for _ in range(8):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        chars.append(REFERENCE_ALPHABET[digit])
    code = "".join(reversed(chars))
    return f"HC-{code[:4]}-{code[4:]}"


def generate(start: int, stop: int, officer_id: int, rng: random.Random) -> Iterator[tuple]:
    """Report rows and their strand rows, spread over four years like a long-running service."""
    today = dt.date.today()
    districts = [code for code, _ in NORTHAMPTONSHIRE_DISTRICTS]
    strands = [code for code, _ in HATE_STRANDS]
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    # Random, so that PostgreSQL cannot compress them away: ciphertext does not compress.
    answers = b"E\x01" + rng.randbytes(1_500)  # a sealed report's answers: 1-2 KB
    public_key = rng.randbytes(crypto.PUBLIC_KEY_BYTES)
    private_key = rng.randbytes(120)
    for number in range(start, stop):
        report_id = f"{number:032x}"
        status, district = rng.choices(statuses, weights)[0], rng.choice(districts)
        received_on = today - dt.timedelta(days=rng.randrange(1_500))
        unseen = status == "new" and rng.random() < 0.5
        looked_on = None if unseen else received_on + dt.timedelta(days=rng.randrange(5))
        yield (
            {
                "id": report_id,
                "reference": reference_for(number),
                "received_on": received_on,
                "arrival": number + 1,
                "due_on": clocks.due_on(received_on),
                "first_looked_on": looked_on,
                "status": status,
                "reporter_type": rng.choice(REPORTER_TYPES),
                "district": district,
                "answers": answers,
                "receipt_lookup": number.to_bytes(8, "big") + bytes(24),
                "reporter_public_key": public_key,
                "reporter_private_key_encrypted": private_key,
                "assigned_to_id": officer_id if rng.random() < 0.2 else None,
                "status_changed_on": None,
            },
            # The strand row carries copies of the report's status and district, as the app
            # writes it.
            {
                "report_id": report_id,
                "strand": rng.choice(strands),
                "status": status,
                "district": district,
            },
        )


def load(app: Flask, start: int, stop: int, officer_id: int, rng: random.Random) -> float:
    began = time.perf_counter()
    engine = database(app).engine
    batch = 10_000
    for first in range(start, stop, batch):
        rows = list(generate(first, min(stop, first + batch), officer_id, rng))
        with engine.begin() as connection:
            connection.execute(insert(Report), [r for r, _ in rows])
            connection.execute(insert(ReportStrand), [s for _, s in rows])
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk insert: statistics for the planner, and the
        # visibility map that lets counts be answered from an index alone.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - began


def build_app(database_url: str) -> Flask:

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_hex(32),
            "RECEIPT_PEPPER": secrets.token_hex(32),
            "DATABASE_URL": database_url,
            "PASSWORD_KDF": crypto.FAST_TEST_KDF,  # one sign-in; its cost is not measured
            "RATELIMIT_POST": "1000000 per minute",
            "RATELIMIT_POST_NETWORK": "1000000 per minute",
            "RATELIMIT_SIGN_IN": "1000000 per minute",
        }
    )
    migrate.upgrade(database(app).engine)
    return app


def sign_in_officer(app: Flask) -> tuple[FlaskClient, int]:
    with database(app).session() as db:
        account = credentials.create_account(
            db,
            email="officer@example.org",
            name="Bench Officer",
            role="officer",
            password=PASSWORD,
            password_kdf=app.config["PASSWORD_KDF"],
            secret_key=app.config["SECRET_KEY"],
            today=dt.date.today(),
        )
        db.commit()
        officer_id = account.user.id
        secret = account.totp_secret_base32
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    page = client.get("/staff/sign-in").get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, "no CSRF token on the sign-in page"
    response = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": match.group(1),
            "email": "officer@example.org",
            "password": PASSWORD,
            "code": totp.code_at(base64.b32decode(secret), time.time()),
        },
    )
    assert response.status_code == 302, "sign-in failed"
    return client, officer_id


def median_ms(action: Callable[[], Any], repeat: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


NEW_REPORTS = 50


def mark_seen(app: Flask, officer_id: int, size: int) -> None:
    """The officer has seen all but the last NEW_REPORTS to arrive; those arrived today (the
    last to arrive are the newest, as in service)."""
    with database(app).session() as db:
        seen.mark_seen(db, officer_id, size - NEW_REPORTS)
        db.execute(
            text("UPDATE reports SET received_on = :today WHERE arrival > :mark"),
            {"today": dt.date.today(), "mark": size - NEW_REPORTS},
        )
        db.commit()


def measure(app: Flask, client: FlaskClient, size: int, repeat: int) -> Figures:
    def get(path: str) -> Callable[[], None]:
        def action() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return action

    figures = Figures(
        size,
        median_ms(get(LIST), repeat),
        median_ms(get(FILTERED), repeat),
        median_ms(get(OVERDUE), repeat),
        median_ms(get(NEW_TO_ME), repeat),
    )
    with database(app).session() as db:
        for name, filters in (("list", listing.ListFilters()), ("filtered", FILTERS)):
            figures.queries[f"{name} counts"] = median_ms(
                lambda f=filters: listing.status_counts(db, f), repeat
            )
            figures.queries[f"{name} page"] = median_ms(
                lambda f=filters: db.execute(
                    listing.page_query(f, offset=0, limit=listing.PAGE_SIZE, reverse=False)
                ).all(),
                repeat,
            )
        # Not page.pages: past COUNT_CAP the list does not count to its last page.
        last = -(-size // listing.PAGE_SIZE)
        figures.queries["list last page (whole call)"] = median_ms(
            lambda: listing.list_reports(db, listing.ListFilters(), page=last), repeat
        )
        middle = max(1, last // 2)
        figures.queries["list middle page (whole call)"] = median_ms(
            lambda: listing.list_reports(db, listing.ListFilters(), page=middle), repeat
        )
    return figures


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema in the given database, dropped afterwards; yields a URL that uses it."""
    from sqlalchemy import create_engine

    schema = f"review_bench_{secrets.token_hex(4)}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_backend(name: str, database_url: str, repeat: int) -> list[Figures]:
    print(f"\n== {name}")
    app = build_app(database_url)
    try:
        client, officer_id = sign_in_officer(app)
        rng = random.Random(20_260_101)
        results = []
        loaded = 0
        for size in (SMALL, LARGE):
            seconds = load(app, loaded, size, officer_id, rng)
            loaded = size
            print(f"   loaded {size:,} reports ({seconds:.1f} s)")
            mark_seen(app, officer_id, size)
            figures = measure(app, client, size, repeat)
            results.append(figures)
            print(
                f"   {size:>7,} reports: list {figures.list_ms:6.1f} ms, "
                f"filtered {figures.filtered_ms:6.1f} ms, overdue {figures.overdue_ms:6.1f} ms, "
                f"new to me {figures.new_ms:6.1f} ms"
            )
            for query, ms in figures.queries.items():
                print(f"       {query:<32} {ms:6.2f} ms")
        return results
    finally:
        database(app).engine.dispose()


def summary(name: str, results: list[Figures]) -> None:
    small, large = results
    print(f"\n{name}: median time of one request, in-process (test client, signed in)")
    print(f"   {'page':<10} {'1k':>9} {'100k':>9} {'100k/1k':>8}  target")
    for label, attr in (
        ("list", "list_ms"),
        ("filtered", "filtered_ms"),
        ("overdue", "overdue_ms"),
        ("new to me", "new_ms"),
    ):
        a, b = getattr(small, attr), getattr(large, attr)
        ratio = b / a if a else float("inf")
        verdict = "PASS" if ratio < TARGET_RATIO else "MISS"
        print(f"   {label:<10} {a:7.1f}ms {b:7.1f}ms {ratio:8.2f}  < {TARGET_RATIO:g}  {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per figure")
    args = parser.parse_args(argv)
    outcomes: dict[str, list[Figures]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            outcomes["SQLite"] = run_backend("SQLite", url, args.repeat)
            if args.postgres:
                with postgres_schema(args.postgres) as pg_url:
                    outcomes["PostgreSQL"] = run_backend("PostgreSQL", pg_url, args.repeat)
    except KeyboardInterrupt:
        print("\ninterrupted")
    except Exception:  # a benchmark reports what went wrong and still exits 0
        traceback.print_exc()
    for name, results in outcomes.items():
        if len(results) == 2:
            summary(name, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
