"""Working days, and the clock on a report's first look.

A working day is Monday to Friday and not a bank holiday in England and Wales. The bank
holidays come from the ``holidays`` library (maintained, with each year's one-off holidays),
never from a hand-written list: the United Kingdom's public holidays for England (``"GB"``,
``subdiv="ENG"``, which is ``holidays.UK(subdiv="ENG")``); Wales has exactly the same ones
(tests/test_clocks.py checks), Scotland and Northern Ireland have others that must not count.

A report's clock: ``due_on`` = the day it was received + FIRST_LOOK_WORKING_DAYS working days,
set at send; it stops on ``first_looked_on``, the day an officer first opens the report or
changes its status. Both are days, in clear (triage and statistics), never a time of day.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays

# The default promise: "Someone will usually look at your report within 2 working days".
FIRST_LOOK_WORKING_DAYS = 2
_SATURDAY = 5


@functools.cache
def _bank_holidays(year: int) -> frozenset[dt.date]:
    """England and Wales's bank holidays in ``year`` (including days in lieu)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < _SATURDAY and not bank_holiday(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself never counts).

    Received on a Friday, 2 working days is the Tuesday; on a Saturday, the Tuesday too.
    ``n`` = 0 is ``start`` itself.
    """
    if n < 0:
        raise ValueError("n must be 0 or more")
    day = start
    while n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b``; negative if ``b`` is before ``a``.

    ``working_days_between(a, add_working_days(a, n)) == n``; a report received and first looked
    at on the same day, or over a weekend before any working day, took 0.
    """
    if b < a:
        return -working_days_between(b, a)
    return sum(1 for k in range(1, (b - a).days + 1) if is_working_day(a + dt.timedelta(days=k)))


def due_on(received_on: dt.date, working_days: int = FIRST_LOOK_WORKING_DAYS) -> dt.date:
    """The day by which someone should first look at a report received on ``received_on``."""
    return add_working_days(received_on, working_days)


def is_overdue(due: dt.date | None, first_looked_on: dt.date | None, today: dt.date) -> bool:
    """Nobody has looked yet and the due day has passed (due today is not overdue yet).

    No due date (``due`` None) means no clock: never overdue.
    """
    return first_looked_on is None and due is not None and due < today
