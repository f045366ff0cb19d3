"""The three steps of a key rotation (see ``rotation``, which runs them and resumes them).

Each step takes the session and leaves the commit to its caller: ``start_rotation`` makes the
new key and shares it, ``reseal_batch`` seals a batch of reports' data keys to it, and
``finish_rotation`` destroys the old key once nothing is sealed to it alone.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.orm import Session, aliased

from . import audit, crypto, keyauth, keys
from .models import Grant, RecoveryKey, RecoverySeal, ReportKey, StaffSession, Team, TeamKey, User
from .reports import data_key_context


class RotationError(Exception):
    """The rotation cannot go on; nothing already committed is lost."""


class ResealFailed(RotationError):
    """A report's data key did not open with the old team key."""


def _share_new_key(
    db: Session, *, old: TeamKey, new: TeamKey, new_private_key: bytes, today: dt.date
) -> int:
    """Seal the new private key to every holder of the old one who lacks it; how many.

    Disabled accounts are left out: a rotation often follows someone leaving, and must not
    hand them the new key.
    """
    new_grant = aliased(Grant)
    holders = db.execute(
        select(User, Grant.sealed_private_key)
        .join(Grant, Grant.user_id == User.id)
        .where(
            Grant.team_key_id == old.id,
            User.disabled.is_(False),
            ~exists().where(new_grant.user_id == User.id, new_grant.team_key_id == new.id),
        )
        .order_by(User.id)
    ).all()
    shared = 0
    for user, sealed in holders:
        # A grant sealed to a key pair the user no longer has (an account being reset) opens
        # nothing: only an admin's fresh grant should give them a team key again.
        if user.public_key is not None and crypto.envelope_key_id(sealed) == crypto.key_id_for(
            user.public_key
        ):
            keys.grant_team_key(
                db, user=user, team_key=new, private_key=new_private_key, today=today
            )
            shared += 1
    new_seal = aliased(RecoverySeal)
    recoveries = db.scalars(
        select(RecoveryKey)
        .join(RecoverySeal, RecoverySeal.recovery_key_id == RecoveryKey.id)
        .where(
            RecoverySeal.team_key_id == old.id,
            ~exists().where(
                new_seal.recovery_key_id == RecoveryKey.id, new_seal.team_key_id == new.id
            ),
        )
        .order_by(RecoveryKey.id)
    ).all()
    for recovery in recoveries:
        db.add(keys.seal_to_recovery_key(recovery, new, new_private_key))
        shared += 1
    db.flush()
    return shared


def start_rotation(
    db: Session,
    *,
    team: Team,
    old: TeamKey,
    today: dt.date,
    actor_id: int | None = None,
    method: str = "",
) -> tuple[TeamKey, bytes]:
    """Step 1: create the new active key and share it with every holder of the old one.

    The caller commits. Returns the new key and its private key.
    """
    pair = crypto.generate_keypair()
    new = TeamKey(
        team_id=team.id,
        key_id=pair.key_id,
        public_key=pair.public_key,
        active=True,
        created_on=today,
    )
    db.add(new)
    db.flush()
    keyauth.authenticate(db, new)
    shared = _share_new_key(db, old=old, new=new, new_private_key=pair.private_key, today=today)
    audit.record(
        db,
        "key-rotation-started",
        actor_id=actor_id,
        subject=f"team:{team.slug}",
        old_key=old.key_id,
        new_key=new.key_id,
        shared_with=shared,
        method=method,
    )
    return new, pair.private_key


def _sealed_to_old_only(
    old: TeamKey, new: TeamKey
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Where-clauses for report keys of the old key whose report has none for the new key."""
    resealed = aliased(ReportKey)
    return ReportKey.team_key_id == old.id, ~exists().where(
        resealed.report_id == ReportKey.report_id, resealed.team_key_id == new.id
    )


def rotation_progress(db: Session, old: TeamKey, new: TeamKey) -> tuple[int, int]:
    """(reports sealed to both keys, reports sealed to the old key)."""
    total = db.scalar(
        select(func.count()).select_from(ReportKey).where(ReportKey.team_key_id == old.id)
    )
    left = db.scalar(
        select(func.count()).select_from(ReportKey).where(*_sealed_to_old_only(old, new))
    )
    return (total or 0) - (left or 0), total or 0


def reseal_batch(
    db: Session,
    *,
    old: TeamKey,
    new: TeamKey,
    old_private_key: bytes,
    new_private_key: bytes,
    limit: int | None,
) -> int:
    """Step 2: seal up to ``limit`` reports' data keys to the new key; the caller commits."""
    query = (
        select(ReportKey.report_id, ReportKey.sealed_data_key)
        .where(*_sealed_to_old_only(old, new))
        .order_by(ReportKey.report_id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = db.execute(query).all()
    for report_id, sealed_data_key in rows:
        try:
            data_key = crypto.open_sealed(
                old_private_key,
                sealed_data_key,
                context=data_key_context(report_id, old.key_id),
            )
        except crypto.DecryptionError:
            raise ResealFailed(
                f"report {report_id}: its data key does not open with key {old.key_id}"
            ) from None
        context = data_key_context(report_id, new.key_id)
        resealed = crypto.seal(new.public_key, data_key, context=context)
        # Read it back before the old copy can ever be deleted.
        if crypto.open_sealed(new_private_key, resealed, context=context) != data_key:
            raise ResealFailed(f"report {report_id}: the new seal did not open")
        db.add(ReportKey(report_id=report_id, team_key_id=new.id, sealed_data_key=resealed))
    db.flush()
    return len(rows)


def finish_rotation(
    db: Session,
    *,
    team: Team,
    old: TeamKey,
    new: TeamKey,
    old_private_key: bytes,
    new_private_key: bytes,
    today: dt.date,
    actor_id: int | None = None,
    method: str = "",
) -> tuple[int, int]:
    """Step 3: destroy the old key once every report opens with the new one; the caller commits.

    Returns how many reports this step re-sealed itself (sent while the batches ran), and how
    many reports the old key opened.
    """
    # PostgreSQL: a report being sent holds a shared lock on the old key's row (it read the
    # active keys FOR SHARE); this waits for it, so the count below sees that report.
    db.execute(select(TeamKey.id).where(TeamKey.id == old.id).with_for_update())
    # Retired first, in this step's first write: on SQLite that takes the write lock, so from
    # here to the commit no send can seal to the old key or commit a report the checks below
    # would miss (a send reads the active keys under the same lock). Undone with the rest of
    # the transaction if a check fails.
    old.active = False
    keyauth.authenticate(db, old)
    db.flush()
    late = reseal_batch(
        db,
        old=old,
        new=new,
        old_private_key=old_private_key,
        new_private_key=new_private_key,
        limit=None,
    )
    _share_new_key(db, old=old, new=new, new_private_key=new_private_key, today=today)
    done, total = rotation_progress(db, old, new)
    if done != total:
        raise RotationError("some reports are still sealed to the old key only; run again")
    holders = select(Grant.user_id).where(Grant.team_key_id == old.id).scalar_subquery()
    # Sessions of holders carry the old private key (under a key in the browser's cookie):
    # ending them destroys those copies too, and the holders sign in again to get the new key.
    sessions_ended = db.execute(delete(StaffSession).where(StaffSession.user_id.in_(holders)))
    db.execute(delete(ReportKey).where(ReportKey.team_key_id == old.id))
    db.execute(delete(Grant).where(Grant.team_key_id == old.id))
    db.execute(delete(RecoverySeal).where(RecoverySeal.team_key_id == old.id))
    audit.record(
        db,
        "key-rotated",
        actor_id=actor_id,
        subject=f"team:{team.slug}",
        old_key=old.key_id,
        new_key=new.key_id,
        reports=total,
        sessions_ended=int(getattr(sessions_ended, "rowcount", 0) or 0),
        method=method,
    )
    return late, total
