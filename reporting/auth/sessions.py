"""Staff sessions: the database holds the team keys encrypted, the cookie holds the key.

With the ``sessions`` table but no cookie, or with the cookie but no row, nothing opens
(ARCHITECTURE.md §5). The row is found by a hash of the token, so the table cannot be used
to impersonate anyone either.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .. import cookies, crypto
from ..clock import utcnow
from ..models import StaffSession, User

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
# Writing last_seen_at on every request would make every page view a write.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class SessionCookie:
    token: str
    session_key: bytes

    @property
    def session_id(self) -> str:
        return hashlib.sha256(self.token.encode()).hexdigest()

    def value(self) -> str:
        return cookies.join(self.token, self.session_key)

    @classmethod
    def parse(cls, value: str | None) -> SessionCookie | None:
        parts = cookies.split(value)
        if parts is None:
            return None
        token, key = parts
        if not (20 <= len(token) <= 64) or not token.replace("-", "").replace("_", "").isalnum():
            return None
        return cls(token, key)


@dataclass(frozen=True)
class CurrentStaff:
    """Who is signed in on this request, with the team keys their grants opened."""

    session_id: str
    user: User
    team_keys: dict[str, bytes]
    expires_at: dt.datetime

    @property
    def can_open_reports(self) -> bool:
        return bool(self.team_keys)


def _context(session_id: str) -> bytes:
    return f"session:{session_id}:team-keys:v1".encode()


def create_session(
    db: Session, user: User, team_keys: dict[str, bytes], now: dt.datetime | None = None
) -> SessionCookie:
    """Store a new session for ``user``; the returned cookie is the only way back into it."""
    now = now or utcnow()
    cookie = SessionCookie(secrets.token_urlsafe(32), crypto.new_data_key())
    payload = json.dumps({k: base64.b64encode(v).decode() for k, v in team_keys.items()})
    db.add(
        StaffSession(
            id=cookie.session_id,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE,
            team_keys=crypto.encrypt(
                cookie.session_key, payload.encode(), context=_context(cookie.session_id)
            ),
        )
    )
    return cookie


def load_session(
    db: Session, cookie: SessionCookie | None, now: dt.datetime | None = None
) -> CurrentStaff | None:
    """The signed-in user, or None if the session is missing, expired or revoked."""
    if cookie is None:
        return None
    now = now or utcnow()
    row = db.get(StaffSession, cookie.session_id)
    if row is None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= IDLE:
        db.delete(row)
        db.commit()
        return None
    user = db.get(User, row.user_id)
    if (
        user is None
        or user.disabled
        # Not user.locked: a lock stops new sign-ins; it never ends the person's own sessions.
        or (user.sessions_revoked_at is not None and row.created_at <= user.sessions_revoked_at)
    ):
        db.delete(row)
        db.commit()
        return None
    try:
        payload = crypto.decrypt(cookie.session_key, row.team_keys, context=_context(row.id))
    except crypto.DecryptionError:
        return None
    team_keys = {k: base64.b64decode(v) for k, v in json.loads(payload).items()}
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.commit()
    return CurrentStaff(row.id, user, team_keys, min(row.expires_at, row.last_seen_at + IDLE))


def end_session(db: Session, session_id: str) -> None:
    db.execute(delete(StaffSession).where(StaffSession.id == session_id))


def end_all_sessions(db: Session, user_id: int, now: dt.datetime | None = None) -> None:
    """Sign the user out everywhere, including sessions started a moment ago elsewhere."""
    db.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    db.execute(update(User).where(User.id == user_id).values(sessions_revoked_at=now or utcnow()))


def purge_expired(db: Session, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    result = db.execute(
        delete(StaffSession).where(
            (StaffSession.expires_at <= now) | (StaffSession.last_seen_at <= now - IDLE)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def active_session_count(db: Session, user_id: int, now: dt.datetime | None = None) -> int:
    """Live sessions only: rows past their idle or absolute end do not count."""
    now = now or utcnow()
    return len(
        db.scalars(
            select(StaffSession.id).where(
                StaffSession.user_id == user_id,
                StaffSession.expires_at > now,
                StaffSession.last_seen_at > now - IDLE,
            )
        ).all()
    )
