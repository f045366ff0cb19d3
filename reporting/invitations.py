"""Invitations: how a person gets (or gets back) a password, an authenticator and a key pair.

There is no email: the admin is shown the link once and passes it on. The link's token is
random (256 bits) and only its SHA-256 is stored, so a copy of the database cannot be used to
set anyone's password; it works once and for 48 hours.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import urllib.parse
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import accounts, audit, centres, credentials, crypto, keys, roles
from .auth import sessions, totp
from .models import Invitation, User

LIFETIME = dt.timedelta(hours=48)
# token_urlsafe(32) is 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 64


class InvitationNotValid(Exception):
    """Unknown, used, replaced or expired, or the account is disabled: never said which."""


class WrongCode(Exception):
    """The code does not come from the authenticator being set up."""


@dataclass(frozen=True)
class IssuedInvitation:
    user: User
    token: str  # shown once to the admin, stored nowhere
    expires_at: dt.datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(db: Session, user: User, *, invited_by: User, now: dt.datetime) -> IssuedInvitation:
    # One live link per person: a new one replaces any earlier one still unused.
    db.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used.is_(False))
        .values(used=True)
    )
    token = secrets.token_urlsafe(32)
    expires_at = now + LIFETIME
    db.add(
        Invitation(
            token_hash=hash_token(token),
            user_id=user.id,
            invited_by_id=invited_by.id,
            expires_at=expires_at,
            used=False,
        )
    )
    return IssuedInvitation(user, token, expires_at)


def invite(
    db: Session,
    *,
    email: str,
    name: str,
    role: str,
    invited_by: User,
    now: dt.datetime,
    centre_id: int | None = None,
    centre_lead: bool = False,
) -> IssuedInvitation:
    """Create an account with no password yet, and a link to set one up.

    A ``centre`` account belongs to exactly one centre (``centre_id``, which must exist) and
    may be its lead; any other role belongs to none (ValueError otherwise).
    """
    if role not in roles.ALL:
        raise ValueError(f"unknown role {role!r}")
    if role == roles.CENTRE:
        if centre_id is None:
            raise ValueError("a centre account needs its centre")
        centres.get_centre(db, centre_id)  # CentreNotFound if it does not exist
    elif centre_id is not None or centre_lead:
        raise ValueError(f"a {role} account belongs to no centre")
    email = credentials.normalise_email(email)
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise credentials.AccountExists(email)
    user = User(
        email=email,
        name=name,
        role=role,
        created_on=now.date(),
        failed_sign_ins=0,
        locked=False,
        disabled=False,
        centre_id=centre_id,
        centre_lead=centre_lead,
    )
    db.add(user)
    db.flush()
    issued = _issue(db, user, invited_by=invited_by, now=now)
    in_centre = {"centre": centre_id, "centre_lead": centre_lead} if centre_id else {}
    audit.record(
        db, "invited", actor_id=invited_by.id, subject=f"user:{user.id}", role=role, **in_centre
    )
    return issued


def reinvite(
    db: Session, user: User, *, invited_by: User, held: dict[str, bytes], now: dt.datetime
) -> IssuedInvitation:
    """A new link for someone who forgot their password or lost their authenticator.

    Nothing changes until they use it: then they get a new key pair and authenticator, and
    lose their grants (sealed to the old key) and sessions. ``held`` is the team keys the
    inviting admin's session opened: see ``accounts.check_reset`` for who may do this.
    """
    if user.disabled:
        raise InvitationNotValid("the account is disabled")
    accounts.check_reset(db, user, actor=invited_by, held=held)
    issued = _issue(db, user, invited_by=invited_by, now=now)
    audit.record(db, "reinvited", actor_id=invited_by.id, subject=f"user:{user.id}")
    return issued


def find_invitation(db: Session, token: str, *, now: dt.datetime) -> Invitation:
    """The invitation this token opens, or InvitationNotValid."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvitationNotValid
    invitation = db.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or invitation.used or now >= invitation.expires_at:
        raise InvitationNotValid
    user = db.get(User, invitation.user_id)
    if user is None or user.disabled:
        raise InvitationNotValid
    return invitation


def enrolment_secret(token: str, secret_key: str) -> bytes:
    """The authenticator secret offered with this invitation (160 bits, RFC 4226's size).

    Derived rather than stored: an HMAC of the link's token under a key from the instance
    secret. It stays the same across reloads, tabs and lost cookies, so the code scanned is the
    code checked; nothing about it is written until the person proves they hold it; and neither
    the database nor someone who only saw the link (the admin, a mailbox) can compute it.
    Keeping it in the User row from the start would instead overwrite a re-invited person's
    working authenticator before they had a new one.
    """
    (key,) = crypto.hkdf_split(secret_key.encode(), b"invitation-totp-secret-v1")
    return hmac.new(key, token.encode(), hashlib.sha256).digest()[:20]


def base32_secret(secret: bytes) -> str:
    return base64.b32encode(secret).decode().rstrip("=")


def grouped_secret(secret: bytes) -> str:
    """The secret in groups of four characters, for typing into an app by hand."""
    text = base32_secret(secret)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_uri(secret: bytes, *, issuer: str, account: str) -> str:
    """The ``otpauth://`` URI authenticator apps read from a QR code."""
    label = urllib.parse.quote(f"{issuer}:{account}")
    query = urllib.parse.urlencode(
        {
            "secret": base32_secret(secret),
            "issuer": issuer,
            "digits": totp.DIGITS,
            "period": totp.STEP_SECONDS,
            "algorithm": "SHA1",
        },
        quote_via=urllib.parse.quote,
    )
    return f"otpauth://totp/{label}?{query}"


def accept(
    db: Session,
    invitation: Invitation,
    *,
    token: str,
    password: str,
    code: str,
    password_kdf: crypto.Argon2Params,
    secret_key: str,
    now: dt.datetime,
) -> User:
    """Set the password, authenticator and a new key pair; the invitation is then spent.

    The caller has checked the password rules. Raises WrongCode (nothing written) or
    InvitationNotValid (someone used the link a moment ago).
    """
    secret = enrolment_secret(token, secret_key)
    step = totp.verify(secret, code, last_step=None, now=now.replace(tzinfo=dt.UTC).timestamp())
    if step is None:
        raise WrongCode
    # Single use even when two requests race: only one UPDATE finds it unused.
    spent = db.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used.is_(False))
        .values(used=True)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise InvitationNotValid
    user = db.get(User, invitation.user_id)
    if user is None:
        raise InvitationNotValid
    replacing = user.public_key is not None
    removed: list[str] = []
    if replacing:
        # The old grants were sealed to the old key pair: nobody can use them now.
        removed = keys.revoke_grants(db, user.id)
        sessions.end_all_sessions(db, user.id, now=now)
    credentials.set_credentials(
        user,
        password=password,
        password_kdf=password_kdf,
        secret_key=secret_key,
        totp_secret=secret,
    )
    # The code just typed is spent, as at sign-in; a fresh count and no lock for new credentials.
    user.totp_last_step = step
    user.failed_sign_ins = 0
    user.wrong_code_sign_ins = 0
    user.locked = False
    audit.record(
        db,
        "account-set-up",
        actor_id=user.id,
        subject=f"user:{user.id}",
        new_key_pair=True,
        replaced_key_pair=replacing,
        grants_removed=removed,
    )
    return user
