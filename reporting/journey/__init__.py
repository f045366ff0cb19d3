"""The public reporting journey: open to everyone, signed in or not."""

from __future__ import annotations

from flask import Blueprint

from .. import access

bp = Blueprint("journey", __name__)
access.allow_public(bp)

# The view modules register their routes on ``bp`` when imported.
from . import (  # noqa: E402, F401
    centres,
    check,
    errors,
    info,
    keepalive,
    question_page,
    receipt,
    start,
)
