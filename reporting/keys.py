"""Team keys, the recovery key and grants (ARCHITECTURE.md §4).

A team's private key is never stored as such: only sealed to each user granted it and to the
recovery key, so a copy of the database opens nothing without a user's password or the
printed recovery code. Opening the keys with that code is in ``recovery``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from . import crypto, keyauth, roles
from .models import Grant, RecoveryKey, RecoverySeal, Team, TeamKey, User


class NoTeamKey(Exception):
    """No active team key: the instance has not been initialised."""


@dataclass(frozen=True)
class NewTeam:
    team: Team
    team_key: TeamKey
    private_key: bytes
    recovery_code: str


def grant_context(user_id: int, key_id: str) -> bytes:
    return f"grant:{user_id}:{key_id}:v1".encode()


def recovery_context(recovery_key_id: str, key_id: str) -> bytes:
    return f"recovery:{recovery_key_id}:{key_id}:v1".encode()


def create_team(db: Session, *, slug: str, name: str, today: dt.date) -> NewTeam:
    """Create a team with a fresh key pair, sealed to a fresh recovery key."""
    pair = crypto.generate_keypair()
    team = Team(slug=slug, name=name)
    team_key = TeamKey(
        team=team, key_id=pair.key_id, public_key=pair.public_key, active=True, created_on=today
    )
    code = crypto.generate_recovery_code()
    recovery_pair = crypto.recovery_keypair(code)
    recovery = RecoveryKey(
        key_id=recovery_pair.key_id, public_key=recovery_pair.public_key, created_on=today
    )
    db.add_all([team, team_key, recovery])
    db.flush()
    keyauth.authenticate(db, team_key)
    db.add(seal_to_recovery_key(recovery, team_key, pair.private_key))
    return NewTeam(team, team_key, pair.private_key, code)


def seal_to_recovery_key(
    recovery: RecoveryKey, team_key: TeamKey, private_key: bytes
) -> RecoverySeal:
    """A team private key sealed to the recovery key, for the caller to add."""
    return RecoverySeal(
        team_key_id=team_key.id,
        recovery_key_id=recovery.id,
        sealed_private_key=crypto.seal(
            recovery.public_key,
            private_key,
            context=recovery_context(recovery.key_id, team_key.key_id),
        ),
    )


def grant_team_key(
    db: Session, *, user: User, team_key: TeamKey, private_key: bytes, today: dt.date
) -> Grant:
    """Seal a team private key to a user's public key."""
    if user.public_key is None:
        raise ValueError("the user has not set up their account")
    grant = Grant(
        user_id=user.id,
        team_key_id=team_key.id,
        created_on=today,
        sealed_private_key=crypto.seal(
            user.public_key, private_key, context=grant_context(user.id, team_key.key_id)
        ),
    )
    db.add(grant)
    return grant


def _active_locked(*columns: Any) -> Select[Any]:
    # A shared lock: a rotation that is about to retire a key waits for a report being sealed
    # to it, so no report is sealed only to a dead key.
    return select(*columns).where(TeamKey.active.is_(True)).with_for_update(read=True)


# For sealing on the hot path (reports.send_report): plain rows, no ORM objects, with every
# column the row's MAC covers (keyauth.py).
ACTIVE_KEYS_FOR_SEALING = _active_locked(
    TeamKey.id,
    TeamKey.team_id,
    TeamKey.key_id,
    TeamKey.public_key,
    TeamKey.active,
    TeamKey.created_on,
    TeamKey.mac,
)


def active_team_keys(db: Session) -> list[TeamKey]:
    """Every active team key, read with the shared lock of ``_active_locked``.

    Raises keyauth.UntrustedTeamKey if any of them fails its check.
    """
    keys = list(db.scalars(_active_locked(TeamKey)))
    if not keys:
        raise NoTeamKey
    keyauth.check(db, keys)
    return keys


# --- Grants made and revoked by an administrator -------------------------------------------------

# Analysts see statistics only and centres their own submissions: neither may ever decrypt.


class CannotHoldTeamKey(Exception):
    """The account's role may never open reports, or it has no key pair yet."""


class NoTeamKeyHeld(Exception):
    """The granting admin's session holds none of the active team keys."""


def grant_held_team_keys(
    db: Session, *, user: User, held: dict[str, bytes], today: dt.date
) -> list[str]:
    """Seal every active team key the granter holds (``held``: key id to private key) to
    ``user``; return the key ids newly granted (empty if the user held them all already)."""
    if user.role not in roles.GRANTABLE:
        raise CannotHoldTeamKey(f"a {user.role} account can never open reports")
    if user.public_key is None:
        raise CannotHoldTeamKey("the account has not been set up yet")
    active = list(db.scalars(select(TeamKey).where(TeamKey.active.is_(True))))
    team_keys = [k for k in active if k.key_id in held]
    if not team_keys or len(team_keys) < len(active):
        # During a rotation two keys are active; granting only the old one would hand out a
        # key the rotation is about to destroy. Sign in again after the rotation's first step.
        raise NoTeamKeyHeld
    already = set(db.scalars(select(Grant.team_key_id).where(Grant.user_id == user.id)))
    granted = []
    for team_key in sorted(team_keys, key=lambda k: k.id):
        if team_key.id not in already:
            grant_team_key(
                db, user=user, team_key=team_key, private_key=held[team_key.key_id], today=today
            )
            granted.append(team_key.key_id)
    return granted


def revoke_grants(db: Session, user_id: int) -> list[str]:
    """Delete every grant the user holds; return the key ids they held.

    The caller must also end the user's sessions: a session holds the keys it opened.
    """
    rows = db.execute(
        select(Grant.id, TeamKey.key_id)
        .join(TeamKey, Grant.team_key_id == TeamKey.id)
        .where(Grant.user_id == user_id)
    ).all()
    if rows:
        db.execute(delete(Grant).where(Grant.id.in_([row.id for row in rows])))
    return sorted(row.key_id for row in rows)


def key_holders(db: Session) -> list[tuple[TeamKey, User, Grant]]:
    """Who holds which team key, active keys first."""
    rows = db.execute(
        select(TeamKey, User, Grant)
        .join(Grant, Grant.team_key_id == TeamKey.id)
        .join(User, Grant.user_id == User.id)
        .order_by(TeamKey.active.desc(), TeamKey.id, User.email)
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def reseal_grants(db: Session, user: User, old_private_key: bytes) -> list[str]:
    """Seal every grant ``user`` holds again, from their old key pair to their current one.

    For a new key pair that keeps its access (a password change): afterwards the old private
    key, and so the old password with an old copy of the user's row, opens none of today's
    grants. Returns the key ids re-sealed.
    """
    if user.public_key is None:
        raise ValueError("the user has no key pair")
    rows = db.execute(
        select(Grant, TeamKey.key_id)
        .join(TeamKey, Grant.team_key_id == TeamKey.id)
        .where(Grant.user_id == user.id)
    ).all()
    for grant, key_id in rows:
        context = grant_context(user.id, key_id)
        private_key = crypto.open_sealed(old_private_key, grant.sealed_private_key, context=context)
        grant.sealed_private_key = crypto.seal(user.public_key, private_key, context=context)
    return sorted(key_id for _, key_id in rows)
