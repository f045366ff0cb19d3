"""Per-officer triage state: how far down the arrivals each officer has marked as seen."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SeenMark(Base):
    """An officer's high-water mark on ``reports.arrival`` (casework/seen.py).

    Reports whose arrival is above it are "new since you last looked" for this officer. Only
    a number: no time, so it says nothing of when the officer looked or a report arrived.
    """

    __tablename__ = "seen_marks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    seen_to: Mapped[int] = mapped_column(Integer)
