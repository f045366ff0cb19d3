"""What a signed-in person does to their own account: sign out, here or everywhere, and
change their password (ending every other session, keeping this one).

Each function writes what it does (and its audit entry) for the caller to commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .. import audit, crypto, password_change
from . import sessions


def sign_out(db: Session, staff: sessions.CurrentStaff) -> None:
    """End this session only."""
    sessions.end_session(db, staff.session_id)
    audit.record(db, "signed-out", actor_id=staff.user.id, subject=f"user:{staff.user.id}")


def sign_out_everywhere(db: Session, staff: sessions.CurrentStaff) -> None:
    """End every session of this person, including ones started a moment ago elsewhere."""
    sessions.end_all_sessions(db, staff.user.id)
    audit.record(
        db, "signed-out-everywhere", actor_id=staff.user.id, subject=f"user:{staff.user.id}"
    )


def change_password(
    db: Session,
    staff: sessions.CurrentStaff,
    *,
    current: str,
    new: str,
    password_kdf: crypto.Argon2Params,
) -> sessions.SessionCookie:
    """Change the password (``password_change``), then replace every session with one new
    one for this browser, whose cookie is returned.

    Raises ``password_change.WrongPassword`` or ``TooManyAttempts``, with the audit entry
    written: commit it, since it counts towards the limit.
    """
    password_change.change_password(
        db, staff.user, current=current, new=new, password_kdf=password_kdf
    )
    # Other sessions were opened with the old password: end them; keep this one.
    sessions.end_all_sessions(db, staff.user.id)
    return sessions.create_session(db, staff.user, staff.team_keys)
