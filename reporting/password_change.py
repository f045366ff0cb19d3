"""Changing your own password: a new key pair, your grants sealed to it, guesses limited.

A new password alone would leave the private key the same, so the old password with an old
copy of the database would still open today's grants. Instead the change makes a new key pair
and seals every grant again to it (opened with the old private key, which the current password
unlocks). Someone who has taken over a signed-in session must not get unlimited guesses at the
password either: every wrong current password is audited, and a handful an hour per account
are allowed (the audit log is the count: nothing to store, and nothing to reset by hand).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, credentials, crypto, keys
from .clock import utcnow
from .models import AuditEntry, User

MAX_FAILURES = 5
WINDOW = dt.timedelta(hours=1)
FAILED = "password-change-failed"
REFUSED = "password-change-refused"
TOO_MANY = (
    "Your current password has been entered wrongly too many times. Wait an hour and try "
    "again; if you have forgotten it, ask an administrator to invite you again"
)


class WrongPassword(Exception):
    """The current password is not right (audited; counts towards the limit)."""


class TooManyAttempts(Exception):
    """Too many wrong current passwords for this account in the last hour."""


def recent_failures(db: Session, user: User, now: dt.datetime) -> int:
    """Wrong current passwords typed for ``user`` within ``WINDOW`` before ``now``."""
    return int(
        db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == FAILED,
                AuditEntry.actor_id == user.id,
                AuditEntry.occurred_at > now - WINDOW,
            )
        )
        or 0
    )


def change_password(
    db: Session,
    user: User,
    *,
    current: str,
    new: str,
    password_kdf: crypto.Argon2Params,
    now: dt.datetime | None = None,
) -> list[str]:
    """Check ``current``, then give ``user`` the password ``new`` with a new key pair.

    Returns the team key ids whose grants were sealed again. Raises TooManyAttempts (nothing
    checked) or WrongPassword; either way an audit entry is written, for the caller to commit.
    The caller ends the user's other sessions: they were opened with the old password.
    """
    now = now or utcnow()
    subject = f"user:{user.id}"
    failures = recent_failures(db, user, now)
    if failures >= MAX_FAILURES:
        audit.record(db, REFUSED, actor_id=user.id, subject=subject, failures=failures)
        raise TooManyAttempts
    if user.password_hash is None or not crypto.verify_password(current, user.password_hash):
        audit.record(db, FAILED, actor_id=user.id, subject=subject, failures=failures + 1)
        raise WrongPassword
    old_private_key = credentials.unlock_private_key(user, current, password_kdf)
    credentials.new_key_pair(user, password=new, password_kdf=password_kdf)
    resealed = keys.reseal_grants(db, user, old_private_key)
    audit.record(
        db,
        "password-changed",
        actor_id=user.id,
        subject=subject,
        new_key_pair=True,
        grants_resealed=resealed,
    )
    return resealed
