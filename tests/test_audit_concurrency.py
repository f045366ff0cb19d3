"""Officers acting at the same moment each append to the audit log; the chain never forks.

Each thread has its own session (as each request does), reads something first as a request
would, and appends; on SQLite two transactions reading the same last hash used to fork the
chain, and `audit verify` then reported tampering.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from reporting import audit
from reporting.db import database
from reporting.models import AuditEntry

from .helpers import HttpsClient

THREADS = 6
ROUNDS = 15


def _officer(
    app: Flask, number: int, start: threading.Barrier, errors: list[BaseException]
) -> None:
    try:
        start.wait()
        for round_ in range(ROUNDS):
            with database(app).sessionmaker() as db:
                db.scalar(select(func.count()).select_from(AuditEntry))  # a request reads first
                audit.record(db, "report-read", actor_id=None, subject=f"report:{number}-{round_}")
                if round_ % 3 == 0:  # some requests append twice in one transaction
                    audit.record(db, "report-assigned", subject=f"report:{number}-{round_}")
                db.commit()
    except BaseException as error:  # noqa: BLE001 (reported by the test below)
        errors.append(error)


def test_concurrent_appends_keep_one_chain(make_app: Any) -> None:
    app = make_app()
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_officer, args=(app, n, start, errors)) for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = THREADS * (ROUNDS + len(range(0, ROUNDS, 3)))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: {expected} entries")
    with database(app).session() as db:
        seqs = db.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
    assert seqs == list(range(1, expected + 1))


def test_a_log_locked_too_long_answers_a_503_that_says_nothing_changed(app) -> None:
    def busy() -> str:
        raise audit.AuditBusy

    app.view_functions["journey.privacy"] = busy
    app.test_client_class = HttpsClient
    response = app.test_client().get("/privacy")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Nothing was changed" in response.get_data(as_text=True)
