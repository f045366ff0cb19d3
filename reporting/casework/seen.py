"""Each officer's "seen up to" mark on the arrivals: which reports are new to them.

Reports carry an arrival number (reports.send_report: 1, 2, 3..., given in the order they
commit). An officer's mark is the highest arrival they have said they have seen; every report
above it is "new since you last looked" for them alone. The mark moves only when the officer
selects "Mark all as seen" (never by opening or refreshing the list: a glance must not take a
report's marker away before anyone has looked at it), only forward, and only as far as the
reports that had arrived when the list they marked from was shown. An officer's first look at
the list starts their mark at the latest report, so a new account does not find every report
ever sent marked new. Numbers only: no time is kept of when anyone looked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, Select, case, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import Report, SeenMark
from .filters import seen_mark


@dataclass(frozen=True)
class Marks:
    """The officer's place in the arrivals, read with the list's counts."""

    seen_to: int | None  # their "seen up to" arrival; None: no mark yet
    latest: int  # the highest arrival (0: no reports)
    new: int  # reports new to them, counted up to the list's COUNT_CAP + 1

    def is_new(self, arrival: int) -> bool:
        return arrival > (self.latest if self.seen_to is None else self.seen_to)


def marks_parts(officer_id: int, cap: int) -> list[Select[*tuple[Any, ...]]]:
    """The officer's mark (-1: none), the latest arrival and how many reports are new to them
    (at most ``cap`` + 1), as (name, number) rows to go with the counts per status."""
    mark = select(SeenMark.seen_to).where(SeenMark.user_id == officer_id).scalar_subquery()
    latest = select(func.max(Report.arrival)).scalar_subquery()
    new = (
        select(literal_column("1"))
        .select_from(Report)
        .where(Report.arrival > seen_mark(officer_id))
        .limit(cap + 1)
        .subquery()
    )
    return [
        select(literal_column("'seen-to'").label("status"), func.coalesce(mark, -1).label("n")),
        select(literal_column("'latest-arrival'"), func.coalesce(latest, 0)),
        select(literal_column("'new-to-me'"), func.count()).select_from(new),
    ]


def read_marks(counts: dict[str, int]) -> Marks:
    """Take marks_parts' rows out of the counts read with them."""
    seen = counts.pop("seen-to")
    return Marks(None if seen < 0 else seen, counts.pop("latest-arrival"), counts.pop("new-to-me"))


def _upsert(db: Session, seen_to: int, officer_id: int) -> Insert:
    dialect = db.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SeenMark)
    values = insert.values(user_id=officer_id, seen_to=seen_to)
    return values.on_conflict_do_update(
        index_elements=[SeenMark.user_id],
        # Never backwards: an older tab's "Mark all as seen" does not bring back markers.
        set_={
            "seen_to": case(
                (values.excluded.seen_to > SeenMark.seen_to, values.excluded.seen_to),
                else_=SeenMark.seen_to,
            )
        },
    )


def start(db: Session, officer_id: int, latest: int) -> None:
    """An officer's first look at the list: their mark starts at the latest arrival."""
    db.execute(_upsert(db, latest, officer_id))


def mark_seen(db: Session, officer_id: int, up_to: int) -> None:
    """Every report up to arrival ``up_to`` is seen by the officer, but none that had not
    arrived yet: a number past the latest arrival counts as the latest."""
    latest = db.scalar(select(func.coalesce(func.max(Report.arrival), 0)))
    db.execute(_upsert(db, max(0, min(up_to, latest or 0)), officer_id))
