"""The review list: filters, counts per status and paging, from clear columns only.

Three statements per page whatever the number of reports (``list_reports``); the indexes they
rely on and the measurements behind them are in benchmarks/README.md ("The review list").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ..models import Report, ReportStrand, User
from . import STATUS_LABELS, CaseworkError

PAGE_SIZE = 25
# Counts per status stop at this: a count reads at most COUNT_CAP + 1 reports, however many
# match, and one above COUNT_CAP means "more than COUNT_CAP" (shown as "1,000+").
COUNT_CAP = 1_000


class PageOutOfRange(CaseworkError):
    """The page asked for is past the last page (``pages`` None: how many is not counted)."""

    def __init__(self, page: int, pages: int | None) -> None:
        super().__init__(f"page {page} of {pages}")
        self.page = page
        self.pages = pages


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


@dataclass(frozen=True)
class ListRow:
    id: str
    reference: str
    received_on: dt.date
    status: str
    district: str | None
    reporter_type: str
    assigned_to: str | None
    strands: tuple[str, ...]
    # The reporter said someone was in immediate danger.
    in_danger: bool = False


@dataclass(frozen=True)
class ReportPage:
    rows: list[ListRow]
    # Reports per status for every filter except status (all statuses present, maybe 0); a
    # count above COUNT_CAP means "more than COUNT_CAP" (see is_capped).
    counts: dict[str, int]
    # The reports listed; when not exact, a lower bound (the total is more than this).
    total: int
    total_exact: bool
    page: int
    # None when the total is not exact: the list then pages with Previous and Next only.
    pages: int | None
    page_size: int
    has_next: bool

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.page_size + len(self.rows)


def is_capped(count: int) -> bool:
    """True if a count from status_counts stopped at the cap (there are more than COUNT_CAP)."""
    return count > COUNT_CAP


def _total(counts: dict[str, int], status: str | None) -> tuple[int, bool]:
    """The reports the list shows: (count, exact); inexact counts are a lower bound."""
    shown = [counts[status]] if status else list(counts.values())
    exact = not any(is_capped(count) for count in shown)
    return sum(min(count, COUNT_CAP) for count in shown), exact


def _filtered(query: Select[Any], filters: ListFilters, *, status: str | None) -> Select[Any]:
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
    return query.where(*conditions)


def _strand_rows_suffice(filters: ListFilters) -> bool:
    """True if a strand is asked for and every other filter is on status or district only."""
    narrowed_by = {name for name, value in vars(filters).items() if value} - {"oldest_first"}
    return "strand" in narrowed_by and narrowed_by <= {"strand", "status", "district"}


def status_counts_query(filters: ListFilters) -> CompoundSelect[Any, int]:
    """One statement: per status, a count of at most COUNT_CAP + 1 matching reports."""
    parts: list[Select[Any, int]] = []
    for code in STATUS_LABELS:
        # An inline constant (the codes are ours): PostgreSQL cannot type a bound one here.
        assert re.fullmatch(r"[a-z-]+", code), code
        matching: Select[Any]
        if _strand_rows_suffice(filters):
            # Every filter is on the strand rows' own columns: their index alone answers.
            matching = select(literal_column("1")).where(
                ReportStrand.strand == filters.strand,
                ReportStrand.status == code,
                *([ReportStrand.district == filters.district] if filters.district else []),
            )
        else:
            matching = _filtered(
                select(literal_column("1")).select_from(Report), filters, status=code
            )
        capped = matching.limit(COUNT_CAP + 1).subquery()
        parts.append(
            select(
                literal_column(f"'{code}'").label("status"), func.count().label("n")
            ).select_from(capped)
        )
    return union_all(*parts)


def status_counts(db: Session, filters: ListFilters) -> dict[str, int]:
    """Reports per status under every filter but status, each counted up to COUNT_CAP + 1.

    However many reports match, no count reads more than COUNT_CAP + 1 of them; a count above
    COUNT_CAP means only "more than COUNT_CAP".
    """
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for status, count in db.execute(status_counts_query(filters)):
        counts[status] = count
    return counts


def _order(filters: ListFilters, *, reverse: bool) -> list[ColumnElement[Any]]:
    # The reference keeps pages stable; both orders walk one index (received_on, reference, id).
    if filters.oldest_first != reverse:
        return [Report.received_on.asc(), Report.reference.asc()]
    return [Report.received_on.desc(), Report.reference.desc()]


def page_query(
    filters: ListFilters, *, offset: int, limit: int, reverse: bool
) -> Select[str, str, dt.date, str, str | None, str, bool, str]:
    # A deferred join: only the page's own rows are read whole, whatever the offset.
    order = _order(filters, reverse=reverse)
    page_ids = (
        _filtered(select(Report.id), filters, status=filters.status)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    return (
        select(
            Report.id,
            Report.reference,
            Report.received_on,
            Report.status,
            Report.district,
            Report.reporter_type,
            Report.in_danger,
            User.name,
        )
        .outerjoin(User, Report.assigned_to_id == User.id)
        .where(Report.id.in_(page_ids))
        .order_by(*order)
    )


def list_reports(
    db: Session, filters: ListFilters, *, page: int = 1, page_size: int = PAGE_SIZE
) -> ReportPage:
    """One page of the review list, with counts per status: three statements whatever the size.

    Clear columns only. With an exact total (no count past COUNT_CAP), a page in the back half
    is read in reverse from the other end, so no OFFSET goes past half the result. Without
    one, pages are read forward with one row more than shown (is there a next page?), and
    only an empty page is out of range.
    """
    if page < 1:
        raise PageOutOfRange(page, 1)
    counts = status_counts(db, filters)
    total, exact = _total(counts, filters.status)
    offset = (page - 1) * page_size
    pages: int | None = None
    if exact:
        pages = max(1, math.ceil(total / page_size))
        if page > pages:
            raise PageOutOfRange(page, pages)
        size = max(0, min(page_size, total - offset))
        from_end = total - offset - size
        reverse = from_end < offset
        query = page_query(
            filters, offset=from_end if reverse else offset, limit=size, reverse=reverse
        )
        found = list(db.execute(query)) if size else []
        if reverse:
            found.reverse()
        has_next = page < pages
    else:
        query = page_query(filters, offset=offset, limit=page_size + 1, reverse=False)
        found = list(db.execute(query))
        has_next = len(found) > page_size
        found = found[:page_size]
        if not found and page > 1:
            raise PageOutOfRange(page, None)
    strands: dict[str, list[str]] = {row.id: [] for row in found}
    if found:
        for report_id, strand in db.execute(
            select(ReportStrand.report_id, ReportStrand.strand)
            .where(ReportStrand.report_id.in_(list(strands)))
            .order_by(ReportStrand.report_id, ReportStrand.strand)
        ):
            strands[report_id].append(strand)
    rows = [
        ListRow(
            id=row.id,
            reference=row.reference,
            received_on=row.received_on,
            status=row.status,
            district=row.district,
            reporter_type=row.reporter_type,
            assigned_to=row.name,
            strands=tuple(strands[row.id]),
            in_danger=bool(row.in_danger),
        )
        for row in found
    ]
    return ReportPage(rows, counts, total, exact, page, pages, page_size, has_next)


def page_numbers(page: int, pages: int, *, around: int = 1) -> Sequence[int | None]:
    """Page numbers to link, None for a gap: 1 … 4 5 6 … 40."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
