"""Authenticator codes (RFC 6238) from ``cryptography``, with replay refused."""

from __future__ import annotations

import hmac
import time
import unicodedata

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

STEP_SECONDS = 30
DIGITS = 6


def _totp(secret: bytes) -> TOTP:
    # SHA-1 and 6 digits: what every authenticator app supports (RFC 6238's default).
    return TOTP(secret, DIGITS, SHA1(), STEP_SECONDS, enforce_key_length=False)  # noqa: S303


def code_at(secret: bytes, when: float) -> str:
    return _totp(secret).generate(int(when)).decode()


def normalise_code(code: str) -> str | None:
    """The code as 6 ASCII digits, or None if it is not 6 digits.

    Spaces are dropped, and any script's decimal digits (a phone keyboard may type "٤" or
    "４") are read as ASCII ones. Anything else (superscripts, letters, 5 or 7 digits) is
    refused here, before any password is looked at, so the answer cannot depend on it.
    """
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(digit)) for digit in code)


def matching_step(secret: bytes, code: str, *, now: float | None = None) -> int | None:
    """The time step (now ±1) the code belongs to, used before or not; None if none."""
    typed = normalise_code(code)
    if typed is None:
        return None
    now = time.time() if now is None else now
    current = int(now) // STEP_SECONDS
    totp = _totp(secret)
    for step in (current - 1, current, current + 1):
        expected = totp.generate(step * STEP_SECONDS).decode()
        # Both ASCII: compare_digest raises on anything else.
        if hmac.compare_digest(expected, typed):
            return step
    return None


def is_used(step: int, last_step: int | None) -> bool:
    """A step at or before the last one accepted: replayed, or older than one already used."""
    return last_step is not None and step <= last_step


def verify(
    secret: bytes, code: str, *, last_step: int | None, now: float | None = None
) -> int | None:
    """The time step the code belongs to (now ±1), or None; a step already used is refused."""
    step = matching_step(secret, code, now=now)
    if step is None or is_used(step, last_step):
        return None
    return step
