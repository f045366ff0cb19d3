"""The officers' case review workspace (blueprint ``review``, under /staff/reports)."""

from __future__ import annotations

from flask import Blueprint

from .. import access, roles

bp = Blueprint("review", __name__, url_prefix="/staff/reports")
access.require_roles(bp, *roles.CASEWORK)

# The view module registers its routes and error handlers on ``bp`` when imported.
from . import find, views  # noqa: E402, F401
