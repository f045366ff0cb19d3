"""The reporter's optional address for alerts of a new message (alerts.py)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AlertAddress(Base):
    """An email address a reporter gave to be told "you have a new message", one per report.

    The address is encrypted under the report's data key, bound to the report and its purpose:
    the server opens it only while it holds that key (a receipt session, or an officer writing
    on or opening the report). In clear: which report asked, and whether an alert is waiting to
    be sent (the SMTP server was down), with no time at all.
    """

    __tablename__ = "alert_addresses"

    report_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    sealed_address: Mapped[bytes] = mapped_column(LargeBinary)
    pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
