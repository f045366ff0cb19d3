"""Private cookies: the reporter's draft cookie and the staff session cookie.

Both hold an identifier and a 32-byte key as ``<id>.<key>`` (the key URL-safe base64 without
padding), and both are set the same way: whole site, HttpOnly, SameSite=Strict, Secure unless
the instance serves plain HTTP for development, and no Max-Age (they go when the browser
closes, which suits a shared device). The format half knows nothing of Flask.
"""

from __future__ import annotations

import base64
import binascii

from flask import current_app
from werkzeug.sansio.response import Response

KEY_BYTES = 32


def join(ident: str, key: bytes) -> str:
    return f"{ident}.{base64.urlsafe_b64encode(key).decode().rstrip('=')}"


def split(value: str | None) -> tuple[str, bytes] | None:
    """``(id, key)`` from a cookie value; None for anything malformed (the caller checks the id)."""
    if not value or value.count(".") != 1:
        return None
    ident, key_text = value.split(".")
    try:
        key = base64.urlsafe_b64decode(key_text + "=" * (-len(key_text) % 4))
    except (binascii.Error, ValueError):
        return None
    return (ident, key) if len(key) == KEY_BYTES else None


def set_private(response: Response, name: str, value: str) -> None:
    secure = bool(current_app.config["SESSION_COOKIE_SECURE"])
    response.set_cookie(name, value, path="/", secure=secure, httponly=True, samesite="Strict")


def clear_private(response: Response, name: str) -> None:
    secure = bool(current_app.config["SESSION_COOKIE_SECURE"])
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="Strict")
