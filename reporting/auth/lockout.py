"""Failed sign-ins: a growing wait per email address, and a lock only for someone who has the
password.

Wrong passwords cannot lock anyone out for good: after ``FREE_FAILURES`` each further failure
makes the next attempt on that address wait (``FIRST_WAIT``, doubling, at most ``MAX_WAIT``).
An address with no account waits exactly the same, so the wait says nothing about who has an
account. Only the right password with a wrong code, ``LOCK_AFTER_WRONG_CODES`` times since the
last sign-in, locks the account until it is unlocked (an admin, or ``accounts unlock``).
Nothing here ends anyone's sessions.

Every count is one UPDATE (``failures = failures + 1``), so attempts made at the same moment
are all counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from functools import lru_cache

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import crypto
from ..models import SignInThrottle, User

FREE_FAILURES = 5
FIRST_WAIT = dt.timedelta(seconds=30)
MAX_WAIT = dt.timedelta(minutes=15)
# A day without a failure and an address starts afresh.
FORGET_AFTER = dt.timedelta(days=1)
LOCK_AFTER_WRONG_CODES = 5


@lru_cache(maxsize=4)
def _key_secret(secret_key: str) -> bytes:
    (secret,) = crypto.hkdf_split(secret_key.encode(), b"sign-in-throttle-v1")
    return secret


def address_key(secret_key: str, normalised_email: str) -> str:
    """The throttle's key for an email address: an HMAC, so the table names nobody."""
    digest = hmac.new(_key_secret(secret_key), normalised_email.encode(), hashlib.sha256)
    return digest.hexdigest()


def as_datetime(now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC).replace(tzinfo=None)


def wait_for(failures: int) -> dt.timedelta | None:
    """How long the next attempt must wait after ``failures`` in a row; None: no wait."""
    if failures < FREE_FAILURES:
        return None
    return min(FIRST_WAIT * (1 << min(failures - FREE_FAILURES, 16)), MAX_WAIT)


def seconds_left(db: Session, key: str, now: float) -> int:
    """Whole seconds until the address may be tried again; 0 if it may now."""
    until = db.scalar(select(SignInThrottle.wait_until).where(SignInThrottle.key == key))
    if until is None:
        return 0
    return max(0, math.ceil((until - as_datetime(now)).total_seconds()))


def _insert_if_missing(db: Session, key: str, user_id: int | None, at: dt.datetime) -> None:
    values = {"key": key, "user_id": user_id, "failures": 0, "last_failed_at": at}
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.execute(insert(SignInThrottle).values(**values).on_conflict_do_nothing())


def count_failure(db: Session, key: str, user_id: int | None, now: float) -> int:
    """Count a failed attempt on the address; the seconds the next one must wait (0: none)."""
    at = as_datetime(now)
    _insert_if_missing(db, key, user_id, at)
    forgotten = SignInThrottle.last_failed_at < at - FORGET_AFTER
    db.execute(
        update(SignInThrottle)
        .where(SignInThrottle.key == key)
        .values(failures=case((forgotten, 1), else_=SignInThrottle.failures + 1), last_failed_at=at)
        .execution_options(synchronize_session=False)
    )
    # This transaction holds the row now: the count read is the one just written.
    failures = db.scalar(select(SignInThrottle.failures).where(SignInThrottle.key == key)) or 0
    wait = wait_for(failures)
    if wait is None:
        return 0
    db.execute(
        update(SignInThrottle)
        .where(SignInThrottle.key == key)
        .values(wait_until=at + wait)
        .execution_options(synchronize_session=False)
    )
    return math.ceil(wait.total_seconds())


def count_account_failure(db: Session, user_id: int, *, wrong_code: bool) -> bool:
    """Count a failure on the account; True if it has just locked (right password, wrong
    code too often)."""
    db.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            failed_sign_ins=User.failed_sign_ins + 1,
            wrong_code_sign_ins=User.wrong_code_sign_ins + (1 if wrong_code else 0),
        )
        .execution_options(synchronize_session=False)
    )
    if not wrong_code:
        return False
    locked = db.execute(
        update(User)
        .where(
            User.id == user_id,
            User.locked.is_(False),
            User.wrong_code_sign_ins >= LOCK_AFTER_WRONG_CODES,
        )
        .values(locked=True)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(locked, "rowcount", 0))


def signed_in(db: Session, key: str, user_id: int) -> None:
    """A successful sign-in: the address and the account start afresh."""
    db.execute(delete(SignInThrottle).where(SignInThrottle.key == key))
    db.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_sign_ins=0, wrong_code_sign_ins=0)
        .execution_options(synchronize_session=False)
    )


def unlock(db: Session, user: User) -> tuple[bool, int]:
    """Clear the lock, the counts and any wait on the account; (was locked, failures)."""
    db.refresh(user)
    was_locked, failures = user.locked, user.failed_sign_ins
    db.execute(delete(SignInThrottle).where(SignInThrottle.user_id == user.id))
    user.locked = False
    user.failed_sign_ins = 0
    user.wrong_code_sign_ins = 0
    return was_locked, failures
