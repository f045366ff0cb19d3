"""Administering accounts: what the admin area does to other people's accounts.

Statuses and summaries for the accounts list; changing a role, disabling, enabling, unlocking,
ending sessions, granting and revoking access, and checking a re-invitation. Each refuses a
change to the admin's own account, one that would leave no active administrator, or one that
would leave an active team key nobody can use. Creating accounts and their credentials is in
``credentials``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from . import audit, keys, roles
from .auth import lockout, sessions
from .clock import utcnow
from .models import Grant, Invitation, StaffSession, TeamKey, User


class OwnAccount(Exception):
    """An admin tried to change their own role, sign-in or access: another admin must."""


class LastAdmin(Exception):
    """The change would leave no active administrator."""


class CentreByInvitation(Exception):
    """Staff of a reporting centre join with their centre, by invitation, not by a role change."""


class LastKeyHolder(Exception):
    """Revoking would leave an active team key that nobody can use (only the recovery code)."""


def account_status(user: User) -> str:
    """One of "disabled", "locked", "invited" (no password yet) or "active"."""
    if user.disabled:
        return "disabled"
    if user.locked:
        return "locked"
    if user.password_hash is None:
        return "invited"
    return "active"


@dataclass(frozen=True)
class AccountSummary:
    user: User
    status: str
    can_open_reports: bool  # holds a grant for an active team key
    session_count: int  # live sessions
    invitation_expires_at: dt.datetime | None  # of a pending invitation, if any


def account_summaries(
    db: Session, now: dt.datetime, user_id: int | None = None
) -> list[AccountSummary]:
    """Every account (or one) with its status, access and sessions, in four queries."""
    users_query = select(User).order_by(User.name, User.email)
    grants_query = (
        select(Grant.user_id).join(TeamKey, Grant.team_key_id == TeamKey.id).where(TeamKey.active)
    )
    sessions_query = (
        select(StaffSession.user_id, func.count())
        .where(StaffSession.expires_at > now, StaffSession.last_seen_at > now - sessions.IDLE)
        .group_by(StaffSession.user_id)
    )
    invitations_query = (
        select(Invitation.user_id, func.max(Invitation.expires_at))
        .where(Invitation.used.is_(False), Invitation.expires_at > now)
        .group_by(Invitation.user_id)
    )
    if user_id is not None:
        users_query = users_query.where(User.id == user_id)
        grants_query = grants_query.where(Grant.user_id == user_id)
        sessions_query = sessions_query.where(StaffSession.user_id == user_id)
        invitations_query = invitations_query.where(Invitation.user_id == user_id)
    holders = set(db.scalars(grants_query))
    session_counts = {uid: count for uid, count in db.execute(sessions_query)}
    invitations = {uid: expires for uid, expires in db.execute(invitations_query)}
    return [
        AccountSummary(
            user=user,
            status=account_status(user),
            can_open_reports=user.id in holders,
            session_count=session_counts.get(user.id, 0),
            invitation_expires_at=invitations.get(user.id),
        )
        for user in db.scalars(users_query)
    ]


def _not_self(user: User, actor: User) -> None:
    if user.id == actor.id:
        raise OwnAccount


def _keep_an_active_admin(db: Session, user: User) -> None:
    """Refuse a change that takes ``user`` out of the active admins if they are the last."""
    if user.role != "admin" or account_status(user) != "active":
        return
    others = db.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.role == "admin",
            User.id != user.id,
            User.disabled.is_(False),
            User.locked.is_(False),
            User.password_hash.is_not(None),
        )
    )
    if not others:
        raise LastAdmin


def _pending_invitations(now: dt.datetime) -> Select[int]:
    """Users with a live invitation link: using it deletes any grants they hold."""
    return select(Invitation.user_id).where(Invitation.used.is_(False), Invitation.expires_at > now)


def _keep_a_key_holder(db: Session, user: User) -> None:
    """Refuse to take the last usable grant of an active team key away.

    A holder with a live invitation link does not count as another holder: using the link
    deletes their grants too, so two re-invitations could otherwise empty a key between them.
    """
    held = set(
        db.scalars(
            select(Grant.team_key_id)
            .join(TeamKey, Grant.team_key_id == TeamKey.id)
            .where(Grant.user_id == user.id, TeamKey.active)
        )
    )
    for team_key_id in held:
        other_holders = db.scalar(
            select(func.count())
            .select_from(Grant)
            .join(User, Grant.user_id == User.id)
            .where(
                Grant.team_key_id == team_key_id,
                Grant.user_id != user.id,
                User.disabled.is_(False),
                User.id.not_in(_pending_invitations(utcnow())),
            )
        )
        if not other_holders:
            raise LastKeyHolder


def _subject(user: User) -> str:
    return f"user:{user.id}"


def change_role(db: Session, user: User, role: str, *, actor: User) -> bool:
    """Give ``user`` a new role; an analyst or centre loses any grant. False if unchanged."""
    if role not in roles.ALL:
        raise ValueError(f"unknown role {role!r}")
    _not_self(user, actor)
    if role == user.role:
        return False
    if role == roles.CENTRE:
        raise CentreByInvitation
    if role != "admin":
        _keep_an_active_admin(db, user)
    if role not in roles.GRANTABLE:
        _keep_a_key_holder(db, user)
    old_role, user.role = user.role, role
    # Only a centre's staff belong to a centre.
    user.centre_id, user.centre_lead = None, False
    removed: list[str] = []
    if role not in roles.GRANTABLE:
        removed = keys.revoke_grants(db, user.id)
        if removed:
            sessions.end_all_sessions(db, user.id)
    audit.record(
        db,
        "role-changed",
        actor_id=actor.id,
        subject=_subject(user),
        old_role=old_role,
        new_role=role,
        grants_removed=removed,
    )
    return True


def disable(db: Session, user: User, *, actor: User) -> None:
    """Stop ``user`` signing in and end their sessions; grants stay for re-enabling."""
    _not_self(user, actor)
    if user.disabled:
        return
    _keep_an_active_admin(db, user)
    user.disabled = True
    sessions.end_all_sessions(db, user.id)
    # A link handed out before must not come back to life when the account is enabled again.
    cancelled = db.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used.is_(False))
        .values(used=True)
    )
    audit.record(
        db,
        "account-disabled",
        actor_id=actor.id,
        subject=_subject(user),
        invitations_cancelled=int(getattr(cancelled, "rowcount", 0) or 0),
    )


def enable(db: Session, user: User, *, actor: User) -> None:
    if not user.disabled:
        return
    user.disabled = False
    audit.record(db, "account-enabled", actor_id=actor.id, subject=_subject(user))


def unlock(db: Session, user: User, *, actor: User) -> None:
    """Clear a lock after too many failed sign-ins, and the count that caused it."""
    if not user.locked and not user.failed_sign_ins:
        return
    was_locked, failures = lockout.unlock(db, user)
    audit.record(
        db,
        "account-unlocked",
        actor_id=actor.id,
        subject=_subject(user),
        was_locked=was_locked,
        failures=failures,
    )


def end_sessions(db: Session, user: User, *, actor: User) -> None:
    # An admin ends their own sessions from their account page ("sign out everywhere").
    _not_self(user, actor)
    sessions.end_all_sessions(db, user.id)
    audit.record(db, "sessions-ended", actor_id=actor.id, subject=_subject(user))


def grant_access(
    db: Session, user: User, *, actor: User, held: dict[str, bytes], today: dt.date
) -> list[str]:
    """Seal the team keys ``actor`` holds to ``user``; return the key ids newly granted."""
    if user.disabled:
        raise keys.CannotHoldTeamKey("the account is disabled")
    granted = keys.grant_held_team_keys(db, user=user, held=held, today=today)
    if granted:
        audit.record(db, "granted", actor_id=actor.id, subject=_subject(user), keys=granted)
    return granted


def revoke_access(db: Session, user: User, *, actor: User) -> list[str]:
    """Delete the user's grants and end their sessions, so no copy of a key stays with them."""
    _not_self(user, actor)
    _keep_a_key_holder(db, user)
    removed = keys.revoke_grants(db, user.id)
    sessions.end_all_sessions(db, user.id)
    audit.record(db, "revoked", actor_id=actor.id, subject=_subject(user), keys=removed)
    return removed


def check_reset(db: Session, user: User, *, actor: User, held: dict[str, bytes]) -> None:
    """Refuse a new invitation link for ``user`` that could cost access to reports.

    Using the link gives a new password, authenticator and key pair and deletes the grants, so
    whoever holds the link holds the account. For an account already set up, the rules of
    revoking apply (never your own, never the last holder of an active team key); and if the
    account holds a grant or is an administrator's, only an admin who holds every active team
    key may do it: one who could give the access back, rather than one who could strip every
    officer's access, or take over another admin's account, by inviting them again.
    """
    _not_self(user, actor)
    if user.public_key is None:
        return  # never set up: a new link replaces the old one, nothing else changes
    _keep_a_key_holder(db, user)
    holds_grant = db.scalar(
        select(func.count())
        .select_from(Grant)
        .join(TeamKey, Grant.team_key_id == TeamKey.id)
        .where(Grant.user_id == user.id, TeamKey.active)
    )
    if user.role == "admin" or holds_grant:
        active = set(db.scalars(select(TeamKey.key_id).where(TeamKey.active.is_(True))))
        if not active <= set(held):
            raise keys.NoTeamKeyHeld
