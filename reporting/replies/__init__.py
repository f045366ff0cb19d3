"""Check for replies: a reporter comes back with the receipt, reads the team's messages and
answers them. Public: the receipt is the only key (follow_up.py holds the logic)."""

from __future__ import annotations

from flask import Blueprint

from .. import access

bp = Blueprint("replies", __name__)
access.allow_public(bp)

# The view modules register their routes on ``bp`` when imported.
from . import alerts, keepalive, updates, views  # noqa: E402, F401
