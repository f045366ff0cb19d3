"""Signing in: password, then authenticator code, then unlocking the user's team keys."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import NoReturn

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .. import audit, crypto, keys
from ..credentials import normalise_email, totp_context, totp_storage_key, unlock_private_key
from ..models import Grant, TeamKey, User
from . import lockout, sessions, totp


class SignInFailed(Exception):
    """Wrong email, password or code, or a locked or disabled account: never said which."""


class CodeAlreadyUsed(SignInFailed):
    """The password was right and the code too, but that code has been used already.

    Typically the code just typed to set up the account. Said plainly, and not counted as a
    failure: only someone who knows the password and has seen the code gets this far.
    """


class BadlyTypedCode(SignInFailed):
    """Not 6 digits: refused before the account or the password is looked at."""


class TooManyAttempts(SignInFailed):
    """Too many failures on this email address: wait ``seconds`` (lockout.py).

    Said the same whether the attempt was checked (and failed) or refused unchecked, and
    whether or not the address has an account.
    """

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


@dataclass(frozen=True)
class SignedIn:
    user: User
    team_keys: dict[str, bytes]


@lru_cache(maxsize=4)
def _dummy_hash(params: crypto.Argon2Params) -> str:
    return crypto.hash_password("not a real password", params)


def open_grants(db: Session, user: User, private_key: bytes) -> dict[str, bytes]:
    """Team private keys by key id, from every grant the user holds."""
    team_keys: dict[str, bytes] = {}
    rows = db.execute(
        select(Grant, TeamKey)
        .join(TeamKey, Grant.team_key_id == TeamKey.id)
        .where(Grant.user_id == user.id)
    )
    for grant, team_key in rows:
        team_keys[team_key.key_id] = crypto.open_sealed(
            private_key,
            grant.sealed_private_key,
            context=keys.grant_context(user.id, team_key.key_id),
        )
    return team_keys


def totp_secret(user: User, secret_key: str) -> bytes:
    if user.totp_secret_encrypted is None:
        raise crypto.DecryptionError("no authenticator enrolled")
    return crypto.decrypt(
        totp_storage_key(secret_key), user.totp_secret_encrypted, context=totp_context(user.id)
    )


def claim_step(db: Session, user_id: int, step: int) -> bool:
    """Mark ``step`` used, unless it (or a later one) already is: one UPDATE, so of two
    sign-ins with the same code at the same moment only one gets True."""
    claimed = db.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0))


def _failed(
    db: Session,
    key: str,
    user: User | None,
    now: float,
    *,
    reason: str,
    counted: bool = True,
    wrong_code: bool = False,
) -> NoReturn:
    """Count the failure on the address (and, if ``counted``, the account), audit, refuse."""
    wait = lockout.count_failure(db, key, user.id if user else None, now)
    subject = f"user:{user.id}" if user else None
    if user is not None and counted:
        if lockout.count_account_failure(db, user.id, wrong_code=wrong_code):
            wrong = lockout.LOCK_AFTER_WRONG_CODES
            audit.record(db, "account-locked", subject=subject, wrong_codes=wrong)
    audit.record(db, "sign-in-failed", subject=subject, reason=reason)
    db.commit()
    raise TooManyAttempts(wait) if wait else SignInFailed


def sign_in(
    db: Session,
    *,
    email: str,
    password: str,
    code: str,
    password_kdf: crypto.Argon2Params,
    secret_key: str,
    now: float | None = None,
) -> SignedIn:
    """Check all three factors; a growing wait after failures, a lock for wrong codes."""
    now = time.time() if now is None else now
    typed = totp.normalise_code(code)
    if typed is None:
        raise BadlyTypedCode
    address = normalise_email(email)
    key = lockout.address_key(secret_key, address)
    user = db.scalar(select(User).where(User.email == address))
    wait = lockout.seconds_left(db, key, now)
    if wait:
        # Nothing is checked while the address waits.
        subject = f"user:{user.id}" if user else None
        audit.record(db, "sign-in-failed", subject=subject, reason="waiting after failures")
        db.commit()
        raise TooManyAttempts(wait)
    if user is None or user.password_hash is None:
        crypto.verify_password(password, _dummy_hash(password_kdf))  # same time either way
        _failed(db, key, None, now, reason="unknown account")
    password_ok = crypto.verify_password(password, user.password_hash)
    step = None
    if password_ok:
        step = totp.matching_step(totp_secret(user, secret_key), typed, now=now)
    blocked = user.disabled or user.locked
    if step is not None and totp.is_used(step, user.totp_last_step) and not blocked:
        audit.record(db, "sign-in-failed", subject=f"user:{user.id}", reason="code already used")
        db.commit()
        raise CodeAlreadyUsed
    if blocked or step is None:
        reason = "locked" if user.locked else "disabled" if user.disabled else None
        _failed(
            db,
            key,
            user,
            now,
            reason=reason or "wrong password or code",
            counted=not blocked,
            wrong_code=password_ok,
        )
    if not claim_step(db, user.id, step):
        # Another sign-in with this code won the race a moment ago.
        audit.record(db, "sign-in-failed", subject=f"user:{user.id}", reason="code already used")
        db.commit()
        raise CodeAlreadyUsed
    private_key = unlock_private_key(user, password, password_kdf)
    team_keys = open_grants(db, user, private_key)
    lockout.signed_in(db, key, user.id)
    audit.record(db, "signed-in", actor_id=user.id, subject=f"user:{user.id}")
    return SignedIn(user, team_keys)


def start_session(
    db: Session, signed_in: SignedIn, *, replacing: sessions.SessionCookie | None
) -> sessions.SessionCookie:
    """A session for the person who has just signed in; the cookie is the only way back in.

    The session this browser had (anyone's) ends: the new cookie replaces it.
    """
    if replacing is not None:
        sessions.end_session(db, replacing.session_id)
    return sessions.create_session(db, signed_in.user, signed_in.team_keys)
