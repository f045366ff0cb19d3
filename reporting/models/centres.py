"""Third-party reporting centres: the organisations, the districts each serves, its listing.

Everything here is public information an organisation chose to publish (its listing), or the
admin's bookkeeping about it; nothing about a reporter. Staff belong to a centre through
``users.centre_id`` (staff.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Centre(Base):
    """One organisation of the partnership's third-party reporting centres."""

    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(Text, default="")
    opening_times: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    languages: Mapped[str] = mapped_column(String(300), default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    help_offered: Mapped[str] = mapped_column(Text, default="")
    # Shown on "Find a reporting centre" only when listed and checked recently enough.
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    listing_checked_on: Mapped[dt.date | None] = mapped_column(Date)
    accredited_on: Mapped[dt.date | None] = mapped_column(Date)
    created_on: Mapped[dt.date] = mapped_column(Date)
    districts: Mapped[list[CentreDistrict]] = relationship(
        back_populates="centre", cascade="all, delete-orphan", order_by="CentreDistrict.district"
    )


class CentreDistrict(Base):
    """A district (a code of the DISTRICTS setting) a centre serves."""

    __tablename__ = "centre_districts"

    centre_id: Mapped[int] = mapped_column(
        ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True
    )
    district: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    centre: Mapped[Centre] = relationship(back_populates="districts")
