"""Credentials: the password rules, the key pair a password opens, the authenticator secret.

Creating an account gives it all three (``create_account``); an invitation (re)sets them
(``set_credentials``), a password change makes a new key pair (``new_key_pair``), and signing
in opens the private key again (``unlock_private_key``). The private key is stored only under a
key derived from the password, and the authenticator secret under a key derived from the
instance secret, so a copy of the database opens neither.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import crypto, roles
from .auth.passwords import is_common_password
from .models import User

MIN_PASSWORD_LENGTH = 12


def check_password(password: str) -> None:
    """Raise ValueError, saying why, for a password no account may have."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if is_common_password(password):
        raise ValueError(
            "the password is too common: choose one that is not on lists of common passwords"
        )


class AccountExists(Exception):
    """An account with that email address already exists."""


@dataclass(frozen=True)
class NewAccount:
    user: User
    private_key: bytes
    totp_secret_base32: str


def private_key_context(user_id: int) -> bytes:
    return f"user:{user_id}:private-key:v1".encode()


def totp_context(user_id: int) -> bytes:
    return f"user:{user_id}:totp-secret:v1".encode()


def totp_storage_key(secret_key: str) -> bytes:
    """Key for TOTP secrets at rest, from the instance secret (not from the database)."""
    (key,) = crypto.hkdf_split(secret_key.encode(), b"totp-secret-storage-v1")
    return key


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_account(
    db: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    password_kdf: crypto.Argon2Params,
    secret_key: str,
    today: dt.date,
    totp_secret: bytes | None = None,
) -> NewAccount:
    """Create a user who can sign in: password hash, key pair, authenticator secret."""
    if role not in roles.ALL:
        raise ValueError(f"unknown role {role!r}")
    check_password(password)
    email = normalise_email(email)
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountExists(email)
    totp_secret = totp_secret or secrets.token_bytes(20)
    user = User(
        email=email,
        name=name,
        role=role,
        created_on=today,
        failed_sign_ins=0,
        locked=False,
        disabled=False,
    )
    db.add(user)
    db.flush()
    private_key = set_credentials(
        user,
        password=password,
        password_kdf=password_kdf,
        secret_key=secret_key,
        totp_secret=totp_secret,
    )
    return NewAccount(user, private_key, base64.b32encode(totp_secret).decode())


def set_credentials(
    user: User,
    *,
    password: str,
    password_kdf: crypto.Argon2Params,
    secret_key: str,
    totp_secret: bytes,
) -> bytes:
    """Give a flushed ``user`` a password, a fresh key pair and an authenticator secret.

    The private key is stored only under a key derived from the password, so a copy of the
    database opens nothing without it. Returns the new private key.
    """
    private_key = new_key_pair(user, password=password, password_kdf=password_kdf)
    user.totp_secret_encrypted = crypto.encrypt(
        totp_storage_key(secret_key), totp_secret, context=totp_context(user.id)
    )
    return private_key


def new_key_pair(user: User, *, password: str, password_kdf: crypto.Argon2Params) -> bytes:
    """Give ``user`` a password and a fresh key pair whose private key only it opens.

    Returns the new private key. Whatever was sealed to the old public key stays sealed to it:
    the caller re-seals or deletes it.
    """
    check_password(password)
    pair = crypto.generate_keypair()
    salt = secrets.token_bytes(16)
    password_key = crypto.derive_key_from_password(password, salt, password_kdf)
    user.password_hash = crypto.hash_password(password, password_kdf)
    user.public_key = pair.public_key
    user.key_salt = salt
    user.private_key_encrypted = crypto.encrypt(
        password_key, pair.private_key, context=private_key_context(user.id), key_id=pair.key_id
    )
    return pair.private_key


def unlock_private_key(user: User, password: str, params: crypto.Argon2Params) -> bytes:
    """The user's private key, opened with a key derived from their password."""
    if user.key_salt is None or user.private_key_encrypted is None:
        raise crypto.DecryptionError("the account has no key pair yet")
    password_key = crypto.derive_key_from_password(password, user.key_salt, params)
    return crypto.decrypt(
        password_key, user.private_key_encrypted, context=private_key_context(user.id)
    )
