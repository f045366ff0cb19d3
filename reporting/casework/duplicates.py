"""Closing a report as a duplicate of another: which report, the checks, the links both ways.

The link is a clear column (``reports.duplicate_of_id``), set by ``actions.change_status`` when
the close reason is "duplicate" and cleared when the report is reopened. The other report must
exist, must not be the report itself, and must not lead back to it along its own duplicate
links (a loop would send an officer round in circles). Each link and unlink is audited on the
other report too, so its history says which report was closed as its duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..models import Report
from . import CaseworkError

DUPLICATE = "duplicate"
# Longest chain of duplicate links followed when looking for a loop.
MAX_CHAIN = 1_000


class DuplicateOfRequired(CaseworkError):
    """Closing as a duplicate needs the reference of the report it duplicates."""


class DuplicateOfNotFound(CaseworkError):
    """No report has the reference given (or it is not a reference at all)."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


class DuplicateOfItself(CaseworkError):
    """A report cannot be a duplicate of itself."""


class DuplicateLoop(CaseworkError):
    """The other report is (through its own links) a duplicate of this one."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


@dataclass(frozen=True)
class DuplicateLinks:
    """What the report page says: the report this one duplicates, and its duplicates."""

    # The reference of the report this one was closed as a duplicate of (None: not one).
    duplicate_of: str | None
    # References of the reports closed as duplicates of this one, by reference.
    duplicates: tuple[str, ...]


def _chain_reaches(db: Session, start: Report, target_id: str) -> bool:
    """Whether following duplicate links from ``start`` reaches ``target_id``."""
    seen = {start.id}
    next_id = start.duplicate_of_id
    for _ in range(MAX_CHAIN):
        if next_id is None or next_id in seen:
            return next_id == target_id
        if next_id == target_id:
            return True
        seen.add(next_id)
        next_id = db.scalar(select(Report.duplicate_of_id).where(Report.id == next_id))
    return True  # a chain this long is refused rather than walked further


def other_report(db: Session, report: Report, reference: str | None) -> Report:
    """The report ``report`` may be closed as a duplicate of; a named error if none may."""
    typed = reference.strip().upper() if isinstance(reference, str) else ""
    if not typed:
        raise DuplicateOfRequired
    # References are upper case; anything longer than one is no reference (not even looked up).
    other = db.scalar(select(Report).where(Report.reference == typed)) if len(typed) <= 16 else None
    if other is None:
        raise DuplicateOfNotFound(typed[:40])
    if other.id == report.id:
        raise DuplicateOfItself
    if _chain_reaches(db, other, report.id):
        raise DuplicateLoop(other.reference)
    return other


def record_link(
    db: Session, report: Report, other_id: str | None, *, actor_id: int, linked: bool
) -> str | None:
    """Audit on the other report that ``report`` was closed as (or reopened from being) its
    duplicate; the other report's reference (None if there is none any more)."""
    if other_id is None:
        return None
    reference = db.scalar(select(Report.reference).where(Report.id == other_id))
    if reference is None:
        return None
    audit.record(
        db,
        "duplicate-linked" if linked else "duplicate-unlinked",
        actor_id=actor_id,
        subject=f"report:{reference}",
        duplicate=report.reference,
    )
    return reference


def links(db: Session, report: Report) -> DuplicateLinks:
    """Both directions of the report's duplicate links, in one statement."""
    rows = db.execute(
        select(Report.reference, Report.id == report.duplicate_of_id)
        .where((Report.duplicate_of_id == report.id) | (Report.id == report.duplicate_of_id))
        .order_by(Report.reference)
    ).all()
    duplicate_of = next((reference for reference, is_target in rows if is_target), None)
    duplicates = tuple(reference for reference, is_target in rows if not is_target)
    return DuplicateLinks(duplicate_of, duplicates)
