"""The receipt session's cookie (follow_up.py): a random token, whose SHA-256 names the
session's row, and the key that alone opens that row."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from . import cookies

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class ReceiptCookie:
    """What the reporter's browser holds: a random token (its hash names the row) and the key
    that opens the row."""

    token: str
    key: bytes = field(repr=False)

    @property
    def session_id(self) -> str:
        return hashlib.sha256(self.token.encode()).hexdigest()

    def value(self) -> str:
        return cookies.join(self.token, self.key)

    @classmethod
    def parse(cls, value: str | None) -> ReceiptCookie | None:
        """Read a cookie; anything malformed counts as no cookie."""
        parts = cookies.split(value)
        if parts is None or not _TOKEN.match(parts[0]):
            return None
        return cls(parts[0], parts[1])
