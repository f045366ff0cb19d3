"""Time "Check for replies" with a wrong and a right receipt, at the production Argon2id cost.

Run from the repository root (about half a minute with the defaults)::

    .venv/bin/python benchmarks/receipt_timing.py
    .venv/bin/python benchmarks/receipt_timing.py --repeat 60

In process, through Flask's test client, on a throwaway SQLite database: one report is sent
(through reports.send_report, so it has a real receipt), then POST /replies is timed with a
malformed receipt, an unknown 16-digit one and the right one, interleaved so that background
load hits each alike. It prints each median, the ratio of each wrong kind to the right one and
of the two wrong kinds to each other. The one that matters is malformed / unknown: near 1.0,
no kind of wrong receipt is told from another by its time (the Argon2id derivation, which
always runs, dominates). The right receipt also opens the reporter's key and writes a session
row, so it takes a little longer; its answer (a session cookie) tells it apart anyway. Every
answer is a redirect; the error page it leads to, a GET, is not timed.

A benchmark reports; it asserts nothing. Exit status 0 whenever it ran.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reporting import config, create_app, crypto, drafts, keys, migrate, reports  # noqa: E402
from reporting.db import database  # noqa: E402

_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _sent_receipt(app: Flask) -> str:
    with database(app).session() as db:
        keys.create_team(db, slug="review", name="Review team", today=dt.date.today())
        cookie = drafts.start_draft(db, idle_minutes=60)
        answers = {"danger": {"danger": "no"}, "reporting-as": {"reporter_type": "victim"}}
        drafts.save_answers(db, cookie, answers, idle_minutes=60)
        shown = reports.send_report(
            db,
            cookie,
            answers,
            pepper=config.receipt_pepper(app.config),
            receipt_kdf=crypto.RECEIPT_KDF,
            today=dt.date.today(),
        )
        db.commit()
    return shown.receipt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed POSTs of each kind")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="receipt-bench-") as tmp:
        app = create_app(
            {
                "SECRET_KEY": secrets.token_hex(32),
                "RECEIPT_PEPPER": secrets.token_hex(32),
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "RECEIPT_KDF": crypto.RECEIPT_KDF,  # the production cost
                "RATELIMIT_POST": "1000000 per minute",
                "RATELIMIT_POST_NETWORK": "1000000 per minute",
                "RATELIMIT_RECEIPT_NETWORK": "1000000 per minute",
                "RATELIMIT_RECEIPT_GLOBAL": "1000000 per minute",
            }
        )
        migrate.upgrade(database(app).engine)
        receipt = _sent_receipt(app)
        client = app.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"
        token_match = _CSRF.search(client.get("/replies").get_data(as_text=True))
        assert token_match
        token = token_match.group(1)
        kinds = {
            "malformed": "12345",
            "unknown": "0000 0000 0000 0000",
            "right": crypto.format_receipt(receipt),
        }
        # Every answer is a redirect: a wrong receipt's, of any kind, to the same error page.
        wrong = "/replies?error=not-found"
        expected = {"malformed": wrong, "unknown": wrong, "right": "/replies/report"}
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(3):  # warm up: templates compiled, statements cached
            for typed in kinds.values():
                client.post("/replies", data={"csrf_token": token, "receipt": typed})
        for _ in range(args.repeat):
            for kind, typed in kinds.items():
                started = time.perf_counter()
                response = client.post("/replies", data={"csrf_token": token, "receipt": typed})
                times[kind].append(time.perf_counter() - started)
                if (response.status_code, response.location) != (303, expected[kind]):
                    print(f"unexpected {response.status_code} for the {kind} receipt")
                    return 0
        database(app).engine.dispose()
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    print(f"POST /replies, {args.repeat} each, production Argon2id {crypto.RECEIPT_KDF}")
    for kind, median in medians.items():
        print(f"  {kind:<10} median {median * 1000:8.2f} ms")
    for kind in ("malformed", "unknown"):
        ratio = medians[kind] / medians["right"]
        print(f"  {kind} / right: {ratio:.3f}")
    print(f"  malformed / unknown: {medians['malformed'] / medians['unknown']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
