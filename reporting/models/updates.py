"""Tables of what a reporter adds after sending, through their receipt (reporter_updates.py):
more information, and changes to what they agreed to share.

Neither row holds a time finer than a day, nor anything that orders it among staff rows with
known times (ids are random, positions count within the report only).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ReportAddition(Base):
    """More of what happened, or a later incident, added by the reporter.

    The text is encrypted under the report's data key, bound to the report and the row's random
    id. In clear: which report, its place among the report's additions, and the day.
    """

    __tablename__ = "report_additions"
    __table_args__ = (UniqueConstraint("report_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... within the report
    added_on: Mapped[dt.date] = mapped_column(Date)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class ConsentChange(Base):
    """The reporter changed what they agree to share: the day, the choices before and after.

    ``seen_by_team``: an officer has opened the report since (that officer's audit entry,
    ``consent-change-seen``, is the only record with a time, and it is the officer's time).
    """

    __tablename__ = "consent_changes"
    __table_args__ = (UniqueConstraint("report_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    changed_on: Mapped[dt.date] = mapped_column(Date)
    police_before: Mapped[str | None] = mapped_column(String(20))
    police_after: Mapped[str] = mapped_column(String(20))
    support_before: Mapped[str | None] = mapped_column(String(20))
    support_after: Mapped[str] = mapped_column(String(20))
    seen_by_team: Mapped[bool] = mapped_column(Boolean, default=False)
