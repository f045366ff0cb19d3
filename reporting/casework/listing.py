"""The review list: counts per status, paging and each row's markers, from clear columns only.

Three statements per page whatever the number of reports (``list_reports``): the counts (and
the officer's seen mark), the page (with its strands and markers), and which of its reports
have a message no officer has read. The filters are in filters.py, seen marks in seen.py; the
indexes the statements rely on and the measurements behind them are in benchmarks/README.md
("The review list").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CompoundSelect

from .. import clocks, messages
from ..models import Report, ReportStrand, User
from . import STATUS_LABELS, CaseworkError, seen

# ListFilters re-exported: the list's callers name it listing.ListFilters.
from .filters import ListFilters as ListFilters
from .filters import filtered, strand_rows_suffice, violent

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
    # The first-look clock (clocks.py): when it is due (None: no due date), when it stopped.
    due_on: dt.date | None = None
    first_looked_on: dt.date | None = None
    # Nobody has looked yet and it was due before today.
    overdue: bool = False
    # The reporter wrote a message no officer has read yet.
    new_message: bool = False
    # From the answers (models/reports.py): still happening, threats or a physical attack...
    ongoing: bool = False
    violent: bool = False
    wants_contact: bool = False
    support_requested: bool = False
    # Arrived after the officer's seen mark (casework/seen.py).
    new_to_me: bool = False
    arrival: int = 0


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
    # The day the page was read on: what "overdue" and "due today" were judged against.
    today: dt.date
    marks: seen.Marks | None = None

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


def _status_parts(filters: ListFilters, today: dt.date | None) -> list[Select[Any, int]]:
    """Per status, a count of at most COUNT_CAP + 1 matching reports: a SELECT each."""
    today = today or dt.date.today()
    parts: list[Select[Any, int]] = []
    for code in STATUS_LABELS:
        # An inline constant (the codes are ours): PostgreSQL cannot type a bound one here.
        assert re.fullmatch(r"[a-z-]+", code), code
        matching: Select[Any]
        if strand_rows_suffice(filters):
            # Every filter is on the strand rows' own columns: their index alone answers.
            matching = select(literal_column("1")).where(
                ReportStrand.strand == filters.strand,
                ReportStrand.status == code,
                *([ReportStrand.district == filters.district] if filters.district else []),
            )
        else:
            matching = filtered(
                select(literal_column("1")).select_from(Report), filters, status=code, today=today
            )
        capped = matching.limit(COUNT_CAP + 1).subquery()
        parts.append(
            select(
                literal_column(f"'{code}'").label("status"), func.count().label("n")
            ).select_from(capped)
        )
    return parts


def status_counts_query(
    filters: ListFilters, *, today: dt.date | None = None
) -> CompoundSelect[Any, int]:
    """One statement: per status, a count of at most COUNT_CAP + 1 matching reports."""
    return union_all(*_status_parts(filters, today))


def status_counts(
    db: Session, filters: ListFilters, *, today: dt.date | None = None
) -> dict[str, int]:
    """Reports per status under every filter but status, each counted up to COUNT_CAP + 1.

    However many reports match, no count reads more than COUNT_CAP + 1 of them; a count above
    COUNT_CAP means only "more than COUNT_CAP".
    """
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for status, count in db.execute(status_counts_query(filters, today=today)):
        counts[status] = count
    return counts


def _order(filters: ListFilters, *, reverse: bool) -> list[ColumnElement[Any]]:
    # Arrival orders a day and keeps pages stable; both orders walk one index
    # (received_on, arrival, id).
    if filters.oldest_first != reverse:
        return [Report.received_on.asc(), Report.arrival.asc()]
    return [Report.received_on.desc(), Report.arrival.desc()]


def page_query(
    filters: ListFilters,
    *,
    offset: int,
    limit: int,
    reverse: bool,
    today: dt.date | None = None,
) -> Select[*tuple[Any, ...]]:
    """The page's reports, each with its strands ("race,age", in no order), its clock and
    what its markers are made of."""
    # A deferred join: only the page's own rows are read whole, whatever the offset.
    order = _order(filters, reverse=reverse)
    page_ids = (
        filtered(select(Report.id), filters, status=filters.status, today=today or dt.date.today())
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    strands = (
        select(func.aggregate_strings(ReportStrand.strand, ","))
        .where(ReportStrand.report_id == Report.id)
        .scalar_subquery()
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
            Report.due_on,
            Report.first_looked_on,
            Report.arrival,
            Report.ongoing,
            Report.wants_contact,
            Report.support_requested,
            violent().label("violent"),
            User.name,
            strands.label("strands"),
        )
        .outerjoin(User, Report.assigned_to_id == User.id)
        .where(Report.id.in_(page_ids))
        .order_by(*order)
    )


def list_reports(
    db: Session,
    filters: ListFilters,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    today: dt.date | None = None,
    officer_id: int | None = None,
) -> ReportPage:
    """One page of the review list, with counts per status: three statements whatever the size.

    Clear columns only. With an exact total (no count past COUNT_CAP), a page in the back half
    is read in reverse from the other end, so no OFFSET goes past half the result. Without
    one, pages are read forward with one row more than shown (is there a next page?), and
    only an empty page is out of range. ``today`` judges what is overdue; ``officer_id``'s
    seen mark, what is new to them (read with the counts).
    """
    today = today or dt.date.today()
    if page < 1:
        raise PageOutOfRange(page, 1)
    counts = dict.fromkeys(STATUS_LABELS, 0)
    parts: list[Select[*tuple[Any, ...]]] = [*_status_parts(filters, today)]
    if officer_id is not None:
        parts += seen.marks_parts(officer_id, COUNT_CAP)
    for name, count in db.execute(union_all(*parts)):
        counts[name] = count
    marks = seen.read_marks(counts) if officer_id is not None else None
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
            filters,
            offset=from_end if reverse else offset,
            limit=size,
            reverse=reverse,
            today=today,
        )
        found = list(db.execute(query)) if size else []
        if reverse:
            found.reverse()
        has_next = page < pages
    else:
        query = page_query(filters, offset=offset, limit=page_size + 1, reverse=False, today=today)
        found = list(db.execute(query))
        has_next = len(found) > page_size
        found = found[:page_size]
        if not found and page > 1:
            raise PageOutOfRange(page, None)
    ids = [row.id for row in found]
    unread = messages.reports_with_unread_from_reporter(db, ids) if ids else set()
    rows = [
        ListRow(
            id=row.id,
            reference=row.reference,
            received_on=row.received_on,
            status=row.status,
            district=row.district,
            reporter_type=row.reporter_type,
            assigned_to=row.name,
            strands=tuple(sorted(row.strands.split(","))) if row.strands else (),
            in_danger=bool(row.in_danger),
            due_on=row.due_on,
            first_looked_on=row.first_looked_on,
            overdue=clocks.is_overdue(row.due_on, row.first_looked_on, today),
            new_message=row.id in unread,
            ongoing=bool(row.ongoing),
            violent=bool(row.violent),
            wants_contact=bool(row.wants_contact),
            support_requested=bool(row.support_requested),
            new_to_me=marks is not None and marks.is_new(row.arrival),
            arrival=row.arrival,
        )
        for row in found
    ]
    return ReportPage(rows, counts, total, exact, page, pages, page_size, has_next, today, marks)
