"""Using the printed recovery code: every team private key it opens, and an admin's access
regained with it when everyone holding a team key has gone or forgotten their password.

The recovery key itself is made, and each team key sealed to it, where team keys are made
(``keys.create_team``, and a rotation's first step).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, crypto, keys
from .credentials import normalise_email
from .models import Grant, RecoveryKey, RecoverySeal, TeamKey, User


def unlock_with_recovery_code(db: Session, code: str) -> dict[str, bytes]:
    """Team private keys by key id, opened with the recovery code."""
    pair = crypto.recovery_keypair(code)
    recovery = db.scalar(select(RecoveryKey).where(RecoveryKey.key_id == pair.key_id))
    if recovery is None:
        raise crypto.InvalidRecoveryCode("that recovery code does not match this instance")
    opened: dict[str, bytes] = {}
    rows = db.execute(
        select(RecoverySeal, TeamKey)
        .join(TeamKey, RecoverySeal.team_key_id == TeamKey.id)
        .where(RecoverySeal.recovery_key_id == recovery.id)
    )
    for seal, team_key in rows:
        opened[team_key.key_id] = crypto.open_sealed(
            pair.private_key,
            seal.sealed_private_key,
            context=keys.recovery_context(recovery.key_id, team_key.key_id),
        )
    return opened


class RecoveryRefused(Exception):
    """The named account cannot be given the team keys, or the code opens none of them."""


@dataclass(frozen=True)
class Recovered:
    user: User
    granted: list[str]  # key ids
    not_opened: list[str]  # active key ids this recovery code has no seal for


def recover_access(db: Session, *, code: str, email: str, today: dt.date) -> Recovered:
    """Grant an admin every active team key the recovery code opens; the caller commits.

    For when everyone holding a team key has gone or forgotten their password. A grant the
    admin already holds is sealed again to their current public key (their old key pair may be
    the reason they are here). Nothing is written unless the code opens at least one key.
    """
    user = db.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or user.role != "admin":
        raise RecoveryRefused("there is no admin with that email address")
    if user.disabled:
        raise RecoveryRefused("that admin account is disabled")
    if user.public_key is None:
        raise RecoveryRefused("that admin has not set up their account (no key pair yet)")
    opened = unlock_with_recovery_code(db, code)
    granted: list[str] = []
    not_opened: list[str] = []
    for team_key in sorted(keys.active_team_keys(db), key=lambda k: k.id):
        private_key = opened.get(team_key.key_id)
        if private_key is None:
            not_opened.append(team_key.key_id)
            continue
        existing = db.scalar(
            select(Grant).where(Grant.user_id == user.id, Grant.team_key_id == team_key.id)
        )
        if existing is None:
            keys.grant_team_key(
                db, user=user, team_key=team_key, private_key=private_key, today=today
            )
        else:
            existing.sealed_private_key = crypto.seal(
                user.public_key, private_key, context=keys.grant_context(user.id, team_key.key_id)
            )
            existing.created_on = today
        granted.append(team_key.key_id)
    if not granted:
        raise RecoveryRefused("the recovery code opens no active team key")
    audit.record(db, "recovered", subject=f"user:{user.id}", keys=granted)
    return Recovered(user, granted, not_opened)
