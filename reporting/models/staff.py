"""Tables of the people and keys that open reports: teams and their keys, the recovery key,
accounts and their grants, sessions, invitations, sign-in throttles and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


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
    # Role "centre" only: the one centre the account belongs to, and whether it leads it.
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"), index=True)
    centre_lead: Mapped[bool] = mapped_column(Boolean, default=False)


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
