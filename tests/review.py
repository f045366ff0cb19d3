"""Reports for the review tests: rows written straight to the database in bulk (clear columns
only, the sealed ones dummy bytes), and the review list read back from its HTML."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask
from sqlalchemy import insert

from reporting.db import database
from reporting.models import Report, ReportStrand
from reporting.reports import REFERENCE_ALPHABET

TODAY = dt.date.today()
_REFERENCE = re.compile(r'href="/staff/reports/(HC-[0-9A-Z]{4}-[0-9A-Z]{4})"')
_COUNT = re.compile(
    r'(<span class="govuk-visually-hidden">more than </span>)?([\d,]+)'
    r'(<span aria-hidden="true">\+</span>)?<span class="govuk-visually-hidden"> ([a-z ]+)(?::|,)'
)


def reference_for(number: int) -> str:
    """A distinct, well-formed reference for the n-th generated report."""
    chars = []
    for _ in range(8):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        chars.append(REFERENCE_ALPHABET[digit])
    code = "".join(reversed(chars))
    return f"HC-{code[:4]}-{code[4:]}"


def report_row(number: int, **clear: Any) -> dict[str, Any]:
    """A reports row with clear columns only: the sealed columns are dummy bytes."""
    return {
        "id": f"{number:032x}",
        "reference": reference_for(number),
        "received_on": TODAY,
        # Arrival in the order of the numbers, as the references sort: within a day the
        # list's order (arrival) is the same as the order of the references.
        "arrival": number + 1,
        "status": "new",
        "reporter_type": "victim",
        "district": "kettering",
        "answers": b"E\x01not-a-real-ciphertext",
        "receipt_lookup": number.to_bytes(8, "big") + b"lookup",
        "reporter_public_key": b"x",
        "reporter_private_key_encrypted": b"x",
        # Every row names every column: an executemany takes its columns from the first row.
        "assigned_to_id": None,
        "status_changed_on": None,
        **clear,
    }


def insert_reports(app: Flask, rows: Iterable[Mapping[str, Any]]) -> None:
    """Bulk-insert report rows (core executemany); a row's "strands" go to report_strands."""
    reports, strands = [], []
    for row in rows:
        row = dict(row)
        for strand in row.pop("strands", ("race",)):
            strands.append(
                {
                    "report_id": row["id"],
                    "strand": strand,
                    "status": row["status"],
                    "district": row["district"],
                }
            )
        reports.append(row)
    with database(app).engine.begin() as connection:
        connection.execute(insert(Report), reports)
        if strands:
            connection.execute(insert(ReportStrand), strands)


def references_on(html: str) -> list[str]:
    return _REFERENCE.findall(html)


def counts_on(html: str) -> dict[str, int | str]:
    """The status table: a number, or "1,000+" for a count that stopped at the cap."""
    counts: dict[str, int | str] = {}
    for more, number, plus, label in _COUNT.findall(html):
        assert bool(more) == bool(plus), (number, label)  # read and seen alike
        counts[label] = f"{number}+" if plus else int(number.replace(",", ""))
    return counts
