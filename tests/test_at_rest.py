"""What a thief with a copy of the database, the instance folder and the logs would find."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from reporting.crypto import DecryptionError
from reporting.db import database
from reporting.models import Report
from reporting.reports import open_report

from .helpers import Reporter, database_bytes, full_answers

MARKER = "Zq7Marker"


def _encodings(needle: str) -> list[bytes]:
    return [
        needle.encode("utf-8"),
        needle.encode("utf-16-le"),
        needle.encode("utf-16-be"),
        needle.encode("utf-8").hex().encode(),
    ]


def _markers(answers: dict) -> list[str]:
    """Every distinct marked fragment of free text, e.g. 'Zq7Markeraccount'."""
    found = set()
    for page in answers.values():
        for value in page.values():
            if isinstance(value, str) and MARKER in value:
                found.add(value[value.index(MARKER) :])
    return sorted(found) + [MARKER]


def _folder_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def _assert_nothing_readable(haystack: bytes, markers: list[str], where: str) -> None:
    for marker in markers:
        for needle in _encodings(marker):
            assert needle not in haystack, f"{marker!r} readable in {where}"


def test_a_copy_of_database_instance_and_logs_reveals_no_answer(
    app: Flask, reporter: Reporter, team, tmp_path: Path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = full_answers(MARKER)
    markers = _markers(answers)
    assert len(markers) > 15

    reporter.start()
    reporter.answer_all(answers)
    # Half-way: the draft is in the database, encrypted.
    _assert_nothing_readable(database_bytes(app), markers, "the database (draft)")
    reporter.send()

    _assert_nothing_readable(database_bytes(app), markers, "the database")
    _assert_nothing_readable(_folder_bytes(tmp_path), markers, "the instance folder")
    logs = (caplog.text + " ".join(str(r.args) for r in caplog.records)).encode()
    _assert_nothing_readable(logs, markers, "the logs")

    with database(app).session() as db:
        opened = open_report(db, db.scalar(select(Report)), team.private_keys)
    for slug, page in answers.items():
        for name, value in page.items():
            if isinstance(value, str) and value:
                assert opened[slug][name] == value, (slug, name)


def test_clear_columns_hold_only_triage_facts(app: Flask, reporter: Reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers(MARKER))
    reporter.send()
    with database(app).session() as db:
        report = db.scalar(select(Report))
        clear = {
            "district": report.district,
            "month": report.incident_month,
            "reporter": report.reporter_type,
            "police": report.told_police,
            "share_police": report.share_with_police,
            "share_support": report.share_with_support,
            "strands": sorted(s.strand for s in report.strands),
            "types": sorted(t.incident_type for t in report.incident_types),
        }
    assert clear == {
        "district": "kettering",
        "month": "2026-03",
        "reporter": "victim",
        "police": "yes",
        "share_police": "without-details",
        "share_support": "yes",
        "strands": ["race", "religion"],
        "types": ["threats", "verbal"],
    }


def test_a_report_moved_to_another_row_does_not_open(app: Flask, reporter: Reporter, team) -> None:
    for _ in range(2):
        reporter.start()
        reporter.answer_all(full_answers())
        reporter.send()
    with database(app).session() as db:
        first, second = db.scalars(select(Report)).all()
        first.answers, second.answers = second.answers, first.answers
        db.commit()
        with pytest.raises(DecryptionError):
            open_report(db, first, team.private_keys)
