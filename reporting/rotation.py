"""Rotating a team key: a new key pair, every report's data key re-sealed, the old key destroyed.

Three steps, so a rotation killed at any moment leaves every report readable and can be resumed
(ARCHITECTURE.md §4):

1. One transaction: the new team key, active at once so that reports sent from now on are sealed
   to both keys, and its private key sealed to everyone who holds the old one (grants and
   recovery seals).
2. Batches, each committed: every report sealed to the old key gets its data key sealed to the
   new key as well. Bodies are never re-encrypted.
3. One transaction, only once no report is left sealed to the old key alone: the old key is
   marked inactive and every copy of its private key (report keys, grants, recovery seals,
   sessions) is deleted, so nothing can open it any more.

A team with two active keys is a rotation in progress; ``rotate_team_key`` resumes it. This
module runs the steps and checks the operator holds the keys; each step is in rotation_steps.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import crypto, keyauth, keys
from .models import Team, TeamKey
from .rotation_steps import RotationError as RotationError  # callers catch rotation.RotationError
from .rotation_steps import finish_rotation, reseal_batch, rotation_progress, start_rotation

DEFAULT_BATCH_SIZE = 500

# Called after each committed batch with (re-sealed so far, reports sealed to the old key).
Progress = Callable[[int, int], None]


class UnknownTeam(RotationError):
    """No team has that slug."""


class KeyNotHeld(RotationError):
    """The operator's keys do not open the team key(s) this step needs."""


@dataclass(frozen=True)
class RotationResult:
    team_slug: str
    old_key_id: str
    new_key_id: str
    resumed: bool
    resealed: int  # by this run
    total: int  # reports that were sealed to the old key


def _probe_context(key_id: str) -> bytes:
    return f"rotation:probe:{key_id}:v1".encode()


def _check_holds(team_key: TeamKey, private_keys: dict[str, bytes]) -> bytes:
    """The private key of ``team_key``, proven to match its public key."""
    private_key = private_keys.get(team_key.key_id)
    if private_key is None:
        raise KeyNotHeld(f"the credentials given do not open team key {team_key.key_id}")
    # A round trip through the public key: the old key is destroyed at the end, so a private
    # key that does not match would leave reports sealed to a key nobody holds.
    probe = crypto.new_data_key()
    context = _probe_context(team_key.key_id)
    try:
        opened = crypto.open_sealed(
            private_key, crypto.seal(team_key.public_key, probe, context=context), context=context
        )
    except crypto.CryptoError:
        opened = b""
    if opened != probe:
        raise KeyNotHeld(f"the key opened for {team_key.key_id} does not match its public key")
    return private_key


def _lock_team(db: Session, team_id: int) -> None:
    # Two operators rotating the same team at once take turns, batch by batch (PostgreSQL;
    # SQLite already lets one writer in at a time).
    db.execute(select(Team.id).where(Team.id == team_id).with_for_update())


def _active_keys(db: Session, team_id: int) -> list[TeamKey]:
    """The team's active keys, each checked (keyauth.UntrustedTeamKey if one fails)."""
    active = list(
        db.scalars(
            select(TeamKey)
            .where(TeamKey.team_id == team_id, TeamKey.active.is_(True))
            .order_by(TeamKey.id)
        )
    )
    keyauth.check(db, active)
    return active


def rotation_in_progress(db: Session, team: Team) -> tuple[TeamKey, TeamKey] | None:
    """(old, new) if the team is half way through a rotation."""
    active = _active_keys(db, team.id)
    if len(active) > 2:
        raise RotationError(f"team {team.slug} has {len(active)} active keys; expected 1 or 2")
    return (active[0], active[1]) if len(active) == 2 else None


def rotate_team_key(
    db: Session,
    *,
    team_slug: str,
    private_keys: dict[str, bytes],
    today: dt.date,
    actor_id: int | None = None,
    method: str = "",
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_start: Callable[[TeamKey, TeamKey, bool], None] | None = None,
    on_progress: Progress | None = None,
) -> RotationResult:
    """Rotate the team's key, or resume a rotation in progress; commits as it goes.

    ``private_keys`` are the team private keys the operator opened (their grants, or the
    recovery code), by key id. A fresh rotation needs the current key; a resumed one needs both.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    team = db.scalar(select(Team).where(Team.slug == team_slug))
    if team is None:
        raise UnknownTeam(f"no team {team_slug!r}")
    _lock_team(db, team.id)
    in_progress = rotation_in_progress(db, team)
    if in_progress is not None:
        old, new = in_progress
        old_private_key = _check_holds(old, private_keys)
        new_private_key = _check_holds(new, private_keys)
        resumed = True
    else:
        active = _active_keys(db, team.id)
        if not active:
            raise keys.NoTeamKey(f"team {team_slug!r} has no active key")
        old = active[0]
        old_private_key = _check_holds(old, private_keys)
        new, new_private_key = start_rotation(
            db, team=team, old=old, today=today, actor_id=actor_id, method=method
        )
        db.commit()
        resumed = False
    if on_start is not None:
        on_start(old, new, resumed)

    resealed = 0
    while True:
        _lock_team(db, team.id)
        count = reseal_batch(
            db,
            old=old,
            new=new,
            old_private_key=old_private_key,
            new_private_key=new_private_key,
            limit=batch_size,
        )
        done, total = rotation_progress(db, old, new)
        db.commit()
        resealed += count
        if on_progress is not None and (count or not resealed):
            on_progress(done, total)
        if count < batch_size:
            break

    _lock_team(db, team.id)
    late, total = finish_rotation(
        db,
        team=team,
        old=old,
        new=new,
        old_private_key=old_private_key,
        new_private_key=new_private_key,
        today=today,
        actor_id=actor_id,
        method=method,
    )
    db.commit()
    return RotationResult(team.slug, old.key_id, new.key_id, resumed, resealed + late, total)
