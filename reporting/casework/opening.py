"""Finding one report, reading its notes, and recording that an officer read it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, crypto
from ..models import Note, Report, User
from ..reports import REFERENCE_ALPHABET
from . import CaseworkError
from .actions import note_context

_REFERENCE = re.compile(rf"HC-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}")


class ReportNotFound(CaseworkError):
    """No report has that reference (or it is not a reference at all)."""


@dataclass(frozen=True)
class NoteView:
    id: str
    author: str | None
    created_at: dt.datetime
    # None when the note did not open (altered, or moved from another report).
    text: str | None


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
