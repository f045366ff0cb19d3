"""Signing in: password, then authenticator code, then unlocking the user's team keys."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, crypto, keys
from ..accounts import normalise_email, private_key_context, totp_context, totp_storage_key
from ..models import Grant, TeamKey, User
from . import totp

MAX_FAILURES = 10


class SignInFailed(Exception):
    """Wrong email, password or code, or a locked or disabled account: never said which."""


class CodeAlreadyUsed(SignInFailed):
    """The password was right and the code too, but that code has been used already.

    Typically the code just typed to set up the account. Said plainly, and not counted as a
    failure: only someone who knows the password and has seen the code gets this far.
    """


@dataclass(frozen=True)
class SignedIn:
    user: User
    team_keys: dict[str, bytes]


@lru_cache(maxsize=4)
def _dummy_hash(params: crypto.Argon2Params) -> str:
    return crypto.hash_password("not a real password", params)


def unlock_private_key(user: User, password: str, params: crypto.Argon2Params) -> bytes:
    """The user's private key, opened with a key derived from their password."""
    if user.key_salt is None or user.private_key_encrypted is None:
        raise crypto.DecryptionError("the account has no key pair yet")
    password_key = crypto.derive_key_from_password(password, user.key_salt, params)
    return crypto.decrypt(
        password_key, user.private_key_encrypted, context=private_key_context(user.id)
    )


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
    """Check all three factors; count failures and lock after ``MAX_FAILURES``."""
    now = time.time() if now is None else now
    user = db.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or user.password_hash is None:
        crypto.verify_password(password, _dummy_hash(password_kdf))  # same time either way
        audit.record(db, "sign-in-failed", subject=None, reason="unknown account")
        db.commit()
        raise SignInFailed
    password_ok = crypto.verify_password(password, user.password_hash)
    step = totp.matching_step(totp_secret(user, secret_key), code, now=now) if password_ok else None
    blocked = user.disabled or user.locked
    if step is not None and totp.is_used(step, user.totp_last_step) and not blocked:
        audit.record(db, "sign-in-failed", subject=f"user:{user.id}", reason="code already used")
        db.commit()
        raise CodeAlreadyUsed
    if blocked or not password_ok or step is None:
        if not blocked:
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= MAX_FAILURES:
                user.locked = True
                audit.record(
                    db, "account-locked", subject=f"user:{user.id}", failures=user.failed_sign_ins
                )
        audit.record(
            db,
            "sign-in-failed",
            subject=f"user:{user.id}",
            reason="locked"
            if user.locked
            else "disabled"
            if user.disabled
            else "wrong password or code",
        )
        db.commit()
        raise SignInFailed
    private_key = unlock_private_key(user, password, password_kdf)
    team_keys = open_grants(db, user, private_key)
    user.failed_sign_ins = 0
    user.totp_last_step = step
    audit.record(db, "signed-in", actor_id=user.id, subject=f"user:{user.id}")
    return SignedIn(user, team_keys)


def change_password(
    db: Session, user: User, *, current: str, new: str, password_kdf: crypto.Argon2Params
) -> None:
    """Re-encrypt only the private key under the new password."""
    if user.password_hash is None or not crypto.verify_password(current, user.password_hash):
        raise SignInFailed
    private_key = unlock_private_key(user, current, password_kdf)
    salt = secrets.token_bytes(16)
    new_key = crypto.derive_key_from_password(new, salt, password_kdf)
    user.key_salt = salt
    user.private_key_encrypted = crypto.encrypt(
        new_key,
        private_key,
        context=private_key_context(user.id),
        key_id=crypto.key_id_for(user.public_key) if user.public_key else "",
    )
    user.password_hash = crypto.hash_password(new, password_kdf)
    audit.record(db, "password-changed", actor_id=user.id, subject=f"user:{user.id}")
