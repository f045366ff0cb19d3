"""Refusing passwords that are on every attacker's first list."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_TRAILING = re.compile(r"[\d\W_]+$")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    text = resources.files("reporting").joinpath("data/common-passwords.txt").read_text()
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_common_password(password: str) -> bool:
    """True for listed passwords, their variants with digits or symbols tacked on, and
    passwords of one repeated character."""
    lowered = password.lower().strip()
    if len(set(lowered)) <= 2:
        return True
    common = _common()
    squashed = lowered.replace(" ", "")
    return (
        lowered in common
        or squashed in common
        or _TRAILING.sub("", lowered) in common
        or _TRAILING.sub("", squashed) in common
    )
