"""Who holds which team key: the read-only listings the admin pages show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import keys
from .models import Grant, TeamKey


@dataclass(frozen=True)
class HeldKey:
    """One team key a person holds a grant for, and since when."""

    key_id: str
    active: bool
    created_on: dt.date  # of the grant


def held_keys(db: Session, user_id: int) -> list[HeldKey]:
    """The team keys ``user_id`` holds, retired ones included, oldest key first."""
    rows = db.execute(
        select(TeamKey.key_id, TeamKey.active, Grant.created_on)
        .join(Grant, Grant.team_key_id == TeamKey.id)
        .where(Grant.user_id == user_id)
        .order_by(TeamKey.id)
    )
    return [HeldKey(key_id, active, created_on) for key_id, active, created_on in rows]


def active_key_ids(db: Session) -> set[str]:
    """The ids of the active team keys; none before the instance is initialised."""
    try:
        return {key.key_id for key in keys.active_team_keys(db)}
    except keys.NoTeamKey:
        return set()
