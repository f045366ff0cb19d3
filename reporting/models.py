"""Tables. Columns named in ARCHITECTURE.md §3 as clear are clear; everything else is bytes
that only a key holder can open. No column holds an IP address, a user agent or a time finer
than a day for anything a reporter did."""

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
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base


class Team(Base):
    """A group of readers whose shared key pair opens the reports sealed to it."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    keys: Mapped[list[TeamKey]] = relationship(back_populates="team")


class TeamKey(Base):
    """One generation of a team's key pair; only the public half is stored."""

    __tablename__ = "team_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_on: Mapped[dt.date] = mapped_column(Date)
    # HMAC-SHA256 of the row under a key derived from SECRET_KEY (keyauth.py): a row someone
    # wrote straight into the database has none that verifies, so nothing is sealed to it.
    mac: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    team: Mapped[Team] = relationship(back_populates="keys")


class RecoveryKey(Base):
    """The public half of the recovery key; its private half is the printed recovery code."""

    __tablename__ = "recovery_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_on: Mapped[dt.date] = mapped_column(Date)


class RecoverySeal(Base):
    """A team private key sealed to the recovery key."""

    __tablename__ = "recovery_seals"
    __table_args__ = (UniqueConstraint("team_key_id", "recovery_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_key_id: Mapped[int] = mapped_column(ForeignKey("team_keys.id"))
    recovery_key_id: Mapped[int] = mapped_column(ForeignKey("recovery_keys.id"))
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)


class User(Base):
    """A signed-in account: admin, officer, analyst or centre."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The private key under a key derived from the password (Argon2id, key_salt).
    private_key_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The TOTP secret under a key derived from the instance secret.
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    # Right password, wrong code, since the last sign-in: someone has the password. Enough of
    # them lock the account (auth/lockout.py); wrong passwords only ever make people wait.
    wrong_code_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[dt.date] = mapped_column(Date)
    # Bumped by "sign out everywhere", a password change and an admin ending sessions.
    sessions_revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SignInThrottle(Base):
    """Failed sign-ins on one email address, known or not, and how long the next must wait.

    Keyed by an HMAC of the address, so the table names nobody and an unknown address waits
    exactly as a real one would (auth/lockout.py).
    """

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The account the address belongs to, if any: an unlock clears its wait too.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    wait_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Grant(Base):
    """A team private key sealed to one user's public key."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("user_id", "team_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    team_key_id: Mapped[int] = mapped_column(ForeignKey("team_keys.id"))
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_on: Mapped[dt.date] = mapped_column(Date)


class StaffSession(Base):
    """A signed-in user's session: team keys encrypted under a key only the cookie holds.

    The row is found by a hash of the cookie's token, so a copy of this table can neither
    sign anyone in nor open the keys (ARCHITECTURE.md §5).
    """

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    team_keys: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class Invitation(Base):
    """A single-use link for a new (or re-invited) user to set a password and authenticator."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """Append-only, keyed hash chain of who did what (never what a report says)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Position in the chain, from 1; unique, so two entries can never follow the same one.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    # 2: keyed (HMAC-SHA256 under a key derived from SECRET_KEY); 1: written before that.
    version: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str | None] = mapped_column(String(80), index=True)
    details: Mapped[str] = mapped_column(Text, default="{}")
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


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
    # hold its order (date, then reference) and the id, so any page, however deep, is a walk
    # of one index without a sort or a table read.
    __table_args__ = (
        Index("ix_reports_received_on_reference", "received_on", "reference", "id"),
        Index(
            "ix_reports_status_received_on_reference", "status", "received_on", "reference", "id"
        ),
        # Counts per status under a district or reporter-type filter read the index only.
        Index("ix_reports_district_status", "district", "status"),
        Index("ix_reports_reporter_type_status", "reporter_type", "status"),
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
    # Every answer, encrypted at send under the report's own fresh data key.
    answers: Mapped[bytes] = mapped_column(LargeBinary)
    # HKDF output of Argon2id(receipt, pepper): finds the report, proves nothing without the pepper.
    receipt_lookup: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    reporter_public_key: Mapped[bytes] = mapped_column(LargeBinary)
    reporter_private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    # Triage (clear): who has it, and why it was closed (a code from a fixed list).
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(40))
    status_changed_on: Mapped[dt.date | None] = mapped_column(Date)

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
    # its status changes only in casework.change_status, which updates both in one statement
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


__all__ = [
    "AuditEntry",
    "Draft",
    "Grant",
    "Invitation",
    "Note",
    "RecoveryKey",
    "RecoverySeal",
    "Report",
    "ReportIncidentType",
    "ReportKey",
    "ReportStrand",
    "StaffSession",
    "Team",
    "TeamKey",
    "User",
]
