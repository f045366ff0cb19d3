"""What the review list is narrowed to, and the WHERE clauses that narrow it (listing.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select

from ..models import Report, ReportIncidentType, ReportStrand, SeenMark

# The incident types marked "Threats or physical attack" (journey/choices.py INCIDENT_TYPES).
VIOLENT_TYPES = ("threats", "physical")


@dataclass(frozen=True)
class ListFilters:
    """What the review list is narrowed to; None means "any"."""

    status: str | None = None
    strand: str | None = None
    district: str | None = None
    reporter_type: str | None = None
    assigned_to: int | None = None
    unassigned: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    oldest_first: bool = False
    # Only reports nobody has looked at whose first look was due before today (clocks.py).
    overdue: bool = False
    # Only reports new to this officer (a user id): arrived after their seen mark (seen_mark).
    new_to: int | None = None


def overdue(today: dt.date) -> ColumnElement[bool]:
    """clocks.is_overdue as SQL: not looked at, and due before ``today`` (no due date: never)."""
    return Report.first_looked_on.is_(None) & (Report.due_on < today)


def seen_mark(officer_id: int) -> ColumnElement[int]:
    """The officer's "seen up to" arrival as SQL; with no mark yet, the latest arrival (nothing
    is new to an officer before their first look at the list: casework/seen.py starts it)."""
    mark = select(SeenMark.seen_to).where(SeenMark.user_id == officer_id).scalar_subquery()
    latest = select(func.max(Report.arrival)).scalar_subquery()
    return func.coalesce(mark, latest, 0)


def violent() -> ColumnElement[bool]:
    """The report names threats or a physical attack (its incident types' primary key)."""
    return exists().where(
        ReportIncidentType.report_id == Report.id,
        ReportIncidentType.incident_type.in_(VIOLENT_TYPES),
    )


def filtered(
    query: Select[Any], filters: ListFilters, *, status: str | None, today: dt.date
) -> Select[Any]:
    """``query`` over reports narrowed by ``filters`` but its status, and by ``status``."""
    conditions: list[ColumnElement[bool]] = []
    if filters.strand:
        # At most one strand row per report ((report_id, strand) is its primary key).
        # Status and district are read from the strand rows' copies: their index holds the matches.
        on = (ReportStrand.report_id == Report.id) & (ReportStrand.strand == filters.strand)
        if status:
            on &= ReportStrand.status == status
        if filters.district:
            on &= ReportStrand.district == filters.district
        query = query.join(ReportStrand, on)
    else:
        if status:
            conditions.append(Report.status == status)
        if filters.district:
            conditions.append(Report.district == filters.district)
    if filters.reporter_type:
        conditions.append(Report.reporter_type == filters.reporter_type)
    if filters.unassigned:
        conditions.append(Report.assigned_to_id.is_(None))
    elif filters.assigned_to is not None:
        conditions.append(Report.assigned_to_id == filters.assigned_to)
    if filters.received_from:
        conditions.append(Report.received_on >= filters.received_from)
    if filters.received_to:
        conditions.append(Report.received_on <= filters.received_to)
    if filters.overdue:
        conditions.append(overdue(today))
    if filters.new_to is not None:
        conditions.append(Report.arrival > seen_mark(filters.new_to))
    return query.where(*conditions)


def strand_rows_suffice(filters: ListFilters) -> bool:
    """True if a strand is asked for and every other filter is on status or district only."""
    narrowed_by = {name for name, value in vars(filters).items() if value} - {"oldest_first"}
    return "strand" in narrowed_by and narrowed_by <= {"strand", "status", "district"}
