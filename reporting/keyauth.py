"""Team key rows are authenticated: nothing is sealed to a key the instance did not make.

Each ``team_keys`` row carries an HMAC-SHA256 over everything whose change would matter (its
id, team, key id, public key, status and creation date) under a key derived from the
instance's SECRET_KEY, which lives in the configuration and never in the database. So write
access to the database alone cannot add a key that reports get sealed to, swap a key's public
half, or bring a retired key back. The key id must also be the one derived from the public key.

The MAC key reaches the domain functions in the session's ``info`` (``db.init_app`` puts it in
every session the app makes), so a send, a rotation or a recovery checks the rows without each
caller passing it along. A session without it fails closed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import crypto
from .models import Grant, ReportKey, Team, TeamKey

log = logging.getLogger(__name__)

MAC_KEY_INFO = "reporting.team_key_mac_key"
_MAC_KEY_LABEL = b"reporting/team-key-row/mac-key/v1"
_MAC_FORMAT = b"team-key:v1"


class KeyRow(Protocol):
    """A team key as a model or a plain row: what the MAC covers."""

    @property
    def id(self) -> int: ...
    @property
    def team_id(self) -> int: ...
    @property
    def key_id(self) -> str: ...
    @property
    def public_key(self) -> bytes: ...
    @property
    def active(self) -> bool: ...
    @property
    def created_on(self) -> dt.date: ...
    @property
    def mac(self) -> bytes | None: ...


class KeyAuthenticationUnavailable(Exception):
    """The session carries no MAC key: team keys cannot be checked, so none is trusted."""


class UntrustedTeamKey(Exception):
    """A team key row fails its check: nothing is sealed while the key table is in doubt."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems  # key id: what is wrong with it
        listed = "; ".join(f"{key_id}: {why}" for key_id, why in problems.items())
        super().__init__(f"untrusted team key(s), refusing to seal to any: {listed}")


def mac_key_for(secret_key: str) -> bytes:
    """The key that authenticates team key rows, derived from SECRET_KEY (a label of its own)."""
    (key,) = crypto.hkdf_split(secret_key.encode(), _MAC_KEY_LABEL)
    return key


def session_info(secret_key: str) -> dict[str, bytes]:
    """What a session needs in its ``info`` to make and check team keys."""
    return {MAC_KEY_INFO: mac_key_for(secret_key)}


def session_mac_key(db: Session) -> bytes:
    key = db.info.get(MAC_KEY_INFO)
    if not isinstance(key, bytes) or not key:
        raise KeyAuthenticationUnavailable("this session has no key to authenticate team keys")
    return key


def _fields(row: KeyRow) -> tuple[bytes, ...]:
    return (
        _MAC_FORMAT,
        str(row.id).encode(),
        str(row.team_id).encode(),
        row.key_id.encode(),
        bytes(row.public_key),
        b"active" if row.active else b"retired",
        row.created_on.isoformat().encode(),
    )


def row_mac(mac_key: bytes, row: KeyRow) -> bytes:
    return crypto.mac_fields(mac_key, *_fields(row))


def authenticate(db: Session, team_key: TeamKey) -> None:
    """Give the row its MAC, for its current values; call again after changing any of them."""
    if team_key.id is None:
        db.flush()  # the id is covered
    team_key.mac = row_mac(session_mac_key(db), team_key)


def key_id_problem(row: KeyRow) -> str | None:
    """Why the row's key id is not its public key's, if it is not."""
    try:
        derived = crypto.key_id_for(bytes(row.public_key))
    except crypto.CryptoError:
        return "its public key is malformed"
    return None if derived == row.key_id else "its key id does not match its public key"


def problem(mac_key: bytes, row: KeyRow) -> str | None:
    """Why the row must not be trusted, or None."""
    wrong_id = key_id_problem(row)
    if wrong_id is not None:
        return wrong_id
    if row.mac is None:
        return "it has no authentication code (run: flask --app reporting keys authenticate)"
    if not crypto.verify_mac_fields(mac_key, bytes(row.mac), *_fields(row)):
        return "its authentication code does not match (altered, or made under another SECRET_KEY)"
    return None


def check(db: Session, rows: Iterable[KeyRow]) -> None:
    """Raise UntrustedTeamKey, after logging each, if any row fails its check."""
    mac_key = session_mac_key(db)
    problems = {}
    for row in rows:
        why = problem(mac_key, row)
        if why is not None:
            problems[row.key_id] = why
            log.error("team key %r (row %s) is not trusted: %s", row.key_id, row.id, why)
    if problems:
        log.error(
            "refusing to seal or rotate with the team keys until this is resolved; see "
            "README, How the keys work"
        )
        raise UntrustedTeamKey(problems)


# --- Authenticating existing rows (`flask keys authenticate`) -----------------------------------


@dataclass(frozen=True)
class KeyReview:
    """A team key row as ``flask keys authenticate`` shows it."""

    team_key: TeamKey
    team_slug: str
    reports: int  # reports whose data key is sealed to it
    holders: int  # grants of its private key
    problem: str | None  # None: it is authenticated
    under_previous_secret: bool  # its MAC verifies under the previous SECRET_KEY

    @property
    def refused(self) -> bool:
        """Its key id is not its public key's: never authenticated, whoever asks."""
        return key_id_problem(self.team_key) is not None


def review(db: Session, previous_mac_key: bytes | None = None) -> list[KeyReview]:
    """Every team key row, oldest first, with what the operator needs to judge it."""
    mac_key = session_mac_key(db)
    reports: dict[int, int] = {
        row[0]: row[1]
        for row in db.execute(
            select(ReportKey.team_key_id, func.count()).group_by(ReportKey.team_key_id)
        )
    }
    holders: dict[int, int] = {
        row[0]: row[1]
        for row in db.execute(select(Grant.team_key_id, func.count()).group_by(Grant.team_key_id))
    }
    reviewed = []
    for team_key, slug in db.execute(
        select(TeamKey, Team.slug).join(Team, TeamKey.team_id == Team.id).order_by(TeamKey.id)
    ):
        why = problem(mac_key, team_key)
        previous = (
            why is not None
            and previous_mac_key is not None
            and problem(previous_mac_key, team_key) is None
        )
        reviewed.append(
            KeyReview(
                team_key,
                slug,
                reports.get(team_key.id, 0),
                holders.get(team_key.id, 0),
                why,
                previous,
            )
        )
    return reviewed


def authenticate_rows(db: Session, team_keys: Iterable[TeamKey]) -> list[str]:
    """MAC the rows (their key ids must match their public keys); the caller commits."""
    done = []
    for team_key in team_keys:
        if key_id_problem(team_key) is not None:
            raise ValueError(f"team key {team_key.key_id!r}: {key_id_problem(team_key)}")
        authenticate(db, team_key)
        done.append(team_key.key_id)
    return done
