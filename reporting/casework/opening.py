"""Finding one report, opening it with the officer's team keys, and recording the read.

Opening is all or nothing: the answers and the notes decrypted together, or CannotOpenReport
with the report's clear facts only. The caller records the read (``record_read``) and commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, crypto, reports
from ..models import Note, Report, User
from ..reports import REFERENCE_ALPHABET
from . import CaseworkError
from .actions import note_context

_REFERENCE = re.compile(rf"HC-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}")


class ReportNotFound(CaseworkError):
    """No report has that reference (or it is not a reference at all)."""


class CannotOpenReport(CaseworkError):
    """The signed-in officer holds no team key that opens this report (or it is damaged)."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.reference)
        self.report = report


@dataclass(frozen=True)
class ClearFacts:
    """What casework may see of a report without its key: its clear columns, with names."""

    report: Report
    # The assigned officer's name (None: nobody).
    assigned_to: str | None
    strands: tuple[str, ...]


@dataclass(frozen=True)
class NoteView:
    id: str
    author: str | None
    created_at: dt.datetime
    # None when the note did not open (altered, or moved from another report).
    text: str | None


@dataclass(frozen=True)
class OpenedReport:
    facts: ClearFacts
    answers: dict[str, Any]
    notes: list[NoteView]
    # For what the page also shows under the report's key (its messages).
    data_key: bytes = field(repr=False)

    @property
    def report(self) -> Report:
        return self.facts.report


def normalise_reference(text: str) -> str | None:
    """The reference in canonical form, or None if ``text`` cannot be one."""
    if not isinstance(text, str) or len(text) > 32:
        return None
    reference = text.strip().upper()
    return reference if _REFERENCE.fullmatch(reference) else None


def find_report(db: Session, reference: str) -> Report:
    """The report with this reference; ReportNotFound whether it is unknown or malformed."""
    canonical = normalise_reference(reference)
    report = db.scalar(select(Report).where(Report.reference == canonical)) if canonical else None
    if report is None:
        raise ReportNotFound
    return report


def clear_facts(db: Session, report: Report) -> ClearFacts:
    """The report's clear columns and the names they point to: readable without any key."""
    assigned = db.get(User, report.assigned_to_id) if report.assigned_to_id else None
    return ClearFacts(
        report,
        assigned.name if assigned else None,
        tuple(strand.strand for strand in report.strands),
    )


def open_data_key(db: Session, report: Report, team_keys: Mapping[str, bytes]) -> bytes:
    """The report's data key; CannotOpenReport if none of ``team_keys`` opens it.

    Nobody acts on a report they cannot read: every action asks for its key first.
    """
    try:
        return reports.open_data_key(db, report, team_keys)
    except reports.ReportSealed:
        raise CannotOpenReport(report) from None


def open_report(db: Session, report: Report, team_keys: Mapping[str, bytes]) -> OpenedReport:
    """The report decrypted, with its notes; CannotOpenReport if it does not open."""
    try:
        data_key = reports.open_data_key(db, report, team_keys)
        answers = reports.read_answers(report, data_key)
    except crypto.CryptoError:
        raise CannotOpenReport(report) from None
    notes = read_notes(db, report, data_key)
    return OpenedReport(clear_facts(db, report), answers, notes, data_key)


def read_notes(db: Session, report: Report, data_key: bytes) -> list[NoteView]:
    """The report's notes, oldest first, decrypted."""
    rows = db.execute(
        select(Note, User.name)
        .outerjoin(User, Note.author_id == User.id)
        .where(Note.report_id == report.id)
        .order_by(Note.created_at, Note.id)
    )
    notes = []
    for note, author in rows:
        try:
            text: str | None = crypto.decrypt(
                data_key, note.body, context=note_context(report.id, note.id)
            ).decode()
        except crypto.DecryptionError:
            text = None
        notes.append(NoteView(note.id, author, note.created_at, text))
    return notes


def record_read(db: Session, report: Report, *, actor_id: int) -> None:
    """Audit that an officer saw a report's decrypted contents."""
    audit.record(db, "report-read", actor_id=actor_id, subject=f"report:{report.reference}")
