"""Tables of what reporters send: drafts, reports (triage columns in clear, answers sealed),
their sealed data keys, strands, incident types, officers' notes, the messages between the
team and the reporter, and the sessions of a reporter checking for replies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .staff import TeamKey


class Note(Base):
    """An officer's internal note on a report, encrypted under the report's data key."""

    __tablename__ = "notes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class Draft(Base):
    """Answers so far, encrypted under a key that only the reporter's cookie holds."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answers: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The idle expiry, to the microsecond, encrypted under the cookie's key (drafts.py): only
    # the reporter's browser can tell when they last continued. Empty once sent (the sent
    # state's end is in its receipt).
    expiry: Mapped[bytes | None] = mapped_column(LargeBinary)
    # In clear, only the UTC day from which the row may be deleted (the day after the one its
    # expiry falls in): no time finer than a day.
    purge_on: Mapped[dt.date] = mapped_column(Date, index=True)
    # Sent: the answers went to a report (``answers`` is then empty) and, for a short while,
    # ``receipt`` holds the reference and receipt, encrypted under a key only the sending
    # browser's cookie can derive, so that a refresh or a second send shows them again.
    sent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    receipt: Mapped[bytes | None] = mapped_column(LargeBinary)


class Report(Base):
    """A sent report: triage columns in clear, the answers sealed."""

    __tablename__ = "reports"
    # The review list, newest or oldest first, maybe filtered by status: these two indexes
    # hold its order (date, then arrival within the day) and the id, so any page, however
    # deep, is a walk of one index without a sort or a table read.
    __table_args__ = (
        Index("ix_reports_received_on_arrival", "received_on", "arrival", "id"),
        Index("ix_reports_status_received_on_arrival", "status", "received_on", "arrival", "id"),
        # Counts per status under a district or reporter-type filter read the index only.
        Index("ix_reports_district_status", "district", "status"),
        Index("ix_reports_reporter_type_status", "reporter_type", "status"),
        # Overdue (nobody has looked, due before today), counted per status: the index alone.
        Index("ix_reports_status_first_looked_on_due_on", "status", "first_looked_on", "due_on"),
        # New since an officer last looked (arrival above their mark), counted per status.
        Index("ix_reports_status_arrival", "status", "arrival"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="new")
    reporter_type: Mapped[str] = mapped_column(String(20))
    district: Mapped[str | None] = mapped_column(String(40))
    incident_month: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM
    told_police: Mapped[str | None] = mapped_column(String(20))
    share_with_police: Mapped[str | None] = mapped_column(String(20))
    share_with_support: Mapped[str | None] = mapped_column(String(20))
    # The reporter said someone was in immediate danger (shown to staff first).
    in_danger: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The order reports arrived in: 1, 2, 3... (reports.send_report), never a time of day. Each
    # send takes the next number when it inserts, and the unique index makes a concurrent send
    # that took the same one wait and try again, so numbers are given in the order reports
    # commit: an officer's "seen up to" mark (models/triage.py) never skips a later commit.
    arrival: Mapped[int] = mapped_column(Integer, unique=True)
    # Triage markers copied out of the answers at send (NULL: sent before migration 0016, when
    # they were not copied; a migration cannot decrypt to fill them in). "It is still
    # happening"; asked to be contacted (by email or phone, not "I will check with my receipt");
    # asked for some support on the impact page (anything but "Nothing right now").
    ongoing: Mapped[bool | None] = mapped_column(Boolean)
    wants_contact: Mapped[bool | None] = mapped_column(Boolean)
    support_requested: Mapped[bool | None] = mapped_column(Boolean)
    # Every answer, encrypted at send under the report's own fresh data key.
    answers: Mapped[bytes] = mapped_column(LargeBinary)
    # HKDF output of Argon2id(receipt, pepper): finds the report, proves nothing without the pepper.
    receipt_lookup: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    reporter_public_key: Mapped[bytes] = mapped_column(LargeBinary)
    reporter_private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    # The report's data key sealed (HPKE) to reporter_public_key: a receipt holder opens the
    # reporter's private key, then this, then the report's messages. Empty for a report sent
    # before messages, until an officer first opens it (messages.ensure_reporter_data_key).
    reporter_data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Triage (clear): who has it, and why it was closed (a code from a fixed list).
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(40))
    status_changed_on: Mapped[dt.date | None] = mapped_column(Date)
    # The first-look clock (clocks.py), days only: due FIRST_LOOK_WORKING_DAYS working days
    # after received_on (None: a report with no due date); stopped the day an officer first
    # opened the report or changed its status.
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    first_looked_on: Mapped[dt.date | None] = mapped_column(Date)
    # Closed as a duplicate: the report it duplicates (casework/duplicates.py); cleared when it
    # is reopened. If that report is deleted, the link goes (SET NULL) and the reason stays.
    duplicate_of_id: Mapped[str | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), index=True
    )

    keys: Mapped[list[ReportKey]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )
    strands: Mapped[list[ReportStrand]] = relationship(cascade="all, delete-orphan")
    incident_types: Mapped[list[ReportIncidentType]] = relationship(cascade="all, delete-orphan")


class ReportKey(Base):
    """The report's data key sealed to one team key."""

    __tablename__ = "report_keys"
    __table_args__ = (UniqueConstraint("report_id", "team_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    team_key_id: Mapped[int] = mapped_column(ForeignKey("team_keys.id"), index=True)
    sealed_data_key: Mapped[bytes] = mapped_column(LargeBinary)
    report: Mapped[Report] = relationship(back_populates="keys")
    team_key: Mapped[TeamKey] = relationship()


class ReportStrand(Base):
    """A hate strand the reporter named (clear, for triage and statistics)."""

    __tablename__ = "report_strands"
    # The review list under a strand filter reads this index alone: its counts per status
    # walk exactly the matching entries (strand, status[, district]), not every report of the
    # district or status probed for its strands.
    __table_args__ = (
        Index(
            "ix_report_strands_strand_status_district",
            "strand",
            "status",
            "district",
            "report_id",
        ),
    )

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    strand: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Copies of the report's columns, for the index above. A report's district never changes;
    # its status changes only in casework.actions.change_status, which updates both in one statement
    # pair inside one transaction.
    status: Mapped[str] = mapped_column(String(20))
    district: Mapped[str | None] = mapped_column(String(40))


class ReportIncidentType(Base):
    """A kind of incident the reporter named (clear, for triage and statistics)."""

    __tablename__ = "report_incident_types"

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    incident_type: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Message(Base):
    """One message between the team and the reporter of a report (messages.py).

    The text is encrypted under a random key of its own, and that key under the report's data
    key. In clear: which report, its place in the thread, who wrote it, the day (never a time:
    a reporter's message must not say when they were at a device) and who has read it. The id
    is random: no global order puts a reporter's message among staff rows with known times.
    """

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("report_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... within the report
    author: Mapped[str] = mapped_column(String(10))  # "reporter" | "team"
    written_on: Mapped[dt.date] = mapped_column(Date)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    key_for_report: Mapped[bytes] = mapped_column(LargeBinary)
    read_by_team: Mapped[bool] = mapped_column(Boolean, default=False)
    read_by_reporter: Mapped[bool] = mapped_column(Boolean, default=False)


class ReceiptSession(Base):
    """A reporter checking for replies with their receipt, for 20 idle minutes.

    The id is the SHA-256 of the cookie's token; everything else (the report, its data key, the
    idle expiry to the microsecond) is encrypted under the key only the cookie holds. In clear
    only the UTC day from which the row may be deleted.
    """

    __tablename__ = "receipt_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    purge_on: Mapped[dt.date] = mapped_column(Date, index=True)
