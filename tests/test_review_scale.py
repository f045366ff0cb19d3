"""The review list over 100,000 reports: the right rows, the right counts, few statements.

Correctness at scale, not timing (benchmarks/review_list.py times it).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import text

from reporting.casework import STATUSES
from reporting.casework.listing import COUNT_CAP, PAGE_SIZE
from reporting.config import HATE_STRANDS, NORTHAMPTONSHIRE_DISTRICTS
from reporting.db import database

from .helpers import counting
from .review import TODAY, counts_on, insert_reports, references_on, report_row
from .staff import create_user, signed_in_client

REPORTS = 100_000
STATUS_WEIGHTS = {"new": 10, "in-review": 10, "referred": 15, "closed": 65}
Row = dict[str, Any]


def generate(count: int, officer_ids: list[int], seed: int = 7) -> list[Row]:
    """Reports over four years, one strand each, a fifth of them assigned."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    districts = [code for code, _ in NORTHAMPTONSHIRE_DISTRICTS]
    strands = [code for code, _ in HATE_STRANDS]
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    rows = []
    for number in range(count):
        rows.append(
            report_row(
                number,
                received_on=TODAY - dt.timedelta(days=rng.randrange(1_500)),
                status=rng.choices(statuses, weights)[0],
                district=rng.choice(districts),
                reporter_type=rng.choice(["victim", "witness", "someone-else", "centre"]),
                assigned_to_id=rng.choice(officer_ids) if rng.random() < 0.2 else None,
                strands=(rng.choice(strands),),
            )
        )
    return rows


def oldest_first(row: Row) -> tuple[int, str]:
    """The list's order, oldest first; newest first is exactly its reverse."""
    return (row["received_on"].toordinal(), row["reference"])


def test_review_list_over_100000_reports(app) -> None:
    """One load, three checks: loading 100,000 rows is most of this test's time."""
    client, rows, me, other = load(app)
    check_pages_and_counts(client, rows, me, other)
    check_deep_pages_and_oldest_first(client, rows)
    check_statement_count(app, client)


def load(app: Flask) -> tuple[Any, list[Row], int, int]:
    officer = create_user(app, email="officer@example.org")
    other = create_user(app, email="other@example.org")
    rows = generate(REPORTS, [officer.id, other.id])
    insert_reports(app, rows)
    engine = database(app).engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # as autovacuum would after a big load
    return signed_in_client(app, officer), rows, officer.id, other.id


def check_pages_and_counts(client: Any, rows: list[Row], me: int, other: int) -> None:
    on_or_after = TODAY - dt.timedelta(days=200)
    on_or_before = TODAY - dt.timedelta(days=100)
    cases: list[tuple[str, Callable[[Row], bool], Callable[[Row], bool]]] = [
        ("", lambda r: True, lambda r: True),
        ("status=new", lambda r: True, lambda r: r["status"] == "new"),
        (
            "status=new&district=kettering&strand=race",
            lambda r: r["district"] == "kettering" and r["strands"] == ("race",),
            lambda r: r["status"] == "new",
        ),
        ("strand=age", lambda r: r["strands"] == ("age",), lambda r: True),
        ("reporter_type=witness", lambda r: r["reporter_type"] == "witness", lambda r: True),
        (
            "assigned=me&status=closed",
            lambda r: r["assigned_to_id"] == me,
            lambda r: r["status"] == "closed",
        ),
        (f"assigned={other}", lambda r: r["assigned_to_id"] == other, lambda r: True),
        (
            "assigned=none&received_from={}&received_to={}".format(
                on_or_after.strftime("%d/%m/%Y"), on_or_before.strftime("%d/%m/%Y")
            ),
            lambda r: (
                r["assigned_to_id"] is None and on_or_after <= r["received_on"] <= on_or_before
            ),
            lambda r: True,
        ),
    ]
    for query, other_filters, status_filter in cases:
        # Counts per status cover every filter but status, and stop at COUNT_CAP.
        counted = [r for r in rows if other_filters(r)]
        exact = {label.lower(): 0 for _, label in STATUSES}
        for row in counted:
            exact[dict(STATUSES)[row["status"]].lower()] += 1
        expected_counts: dict[str, int | str] = {
            label: shown(count) for label, count in exact.items()
        }
        lower = sum(min(count, COUNT_CAP) for count in exact.values())
        capped = any(count > COUNT_CAP for count in exact.values())
        expected_counts = {"all": f"{lower:,}+" if capped else lower, **expected_counts}
        listed = sorted((r for r in counted if status_filter(r)), key=oldest_first, reverse=True)

        response = client.get(f"/staff/reports/?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (query, html[:3000])
        assert counts_on(html) == expected_counts, query
        assert references_on(html) == [r["reference"] for r in listed[:PAGE_SIZE]], query
        total_exact = len(listed) <= COUNT_CAP if "status=" in query else not capped
        if total_exact:
            assert f"of {len(listed):,} report" in html, query
            assert "govuk-pagination__item" in html or len(listed) <= PAGE_SIZE, query
        else:
            assert "of more than " in html, query
            assert "govuk-pagination__item" not in html, query  # Previous and Next only
            assert "govuk-pagination__next" in html, query

        # The last page (read from the other end when the total is exact) and the one before.
        pages = math.ceil(len(listed) / PAGE_SIZE)
        for page in {pages, max(1, pages - 1)}:
            html = client.get(f"/staff/reports/?{query}&page={page}").get_data(as_text=True)
            start = (page - 1) * PAGE_SIZE
            expected = [r["reference"] for r in listed[start : start + PAGE_SIZE]]
            assert references_on(html) == expected, (query, page)
            assert ("govuk-pagination__next" in html) == (page < pages), (query, page)


def shown(count: int) -> int | str:
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else count


def check_deep_pages_and_oldest_first(client: Any, rows: list[Row]) -> None:
    newest = sorted(rows, key=oldest_first, reverse=True)
    oldest = sorted(rows, key=oldest_first)
    for sort, ordered in (("newest", newest), ("oldest", oldest)):
        for page in (1, 2, 1_999, 2_000, 2_001, 3_999, 4_000):
            html = client.get(f"/staff/reports/?sort={sort}&page={page}").get_data(as_text=True)
            start = (page - 1) * PAGE_SIZE
            expected = [r["reference"] for r in ordered[start : start + PAGE_SIZE]]
            assert references_on(html) == expected, (sort, page)
            # Past the cap: Previous and Next, each keeping the sort, no page numbers.
            assert "govuk-pagination__item" not in html, (sort, page)
            keep = "sort=oldest&amp;" if sort == "oldest" else ""  # newest is the default
            assert (f'?{keep}page={page - 1}"' in html) == (page > 1), (sort, page)
            assert (f'?{keep}page={page + 1}"' in html) == (page < 4_000), (sort, page)
    beyond = client.get("/staff/reports/?page=4001")
    assert beyond.status_code == 400
    assert "There is no page 4,001: the reports that match these filters fill fewer pages" in (
        beyond.get_data(as_text=True)
    )


def check_statement_count(app: Flask, client: Any) -> None:
    client.get("/staff/reports/")  # the session's last-seen time is written at most once a minute
    for query in ("", "status=new&district=kettering&strand=race", "sort=oldest&page=3000"):
        with counting(app) as statements:
            assert client.get(f"/staff/reports/?{query}").status_code == 200
        # Session, user, officers for the filter, counts per status, the page, its strands.
        assert len(statements) <= 6, (query, statements)
        assert not any("answers" in s for s in statements), "the list read a ciphertext column"
