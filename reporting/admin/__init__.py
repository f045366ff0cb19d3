"""The administrator area (accounts, invitations, grants, audit log, reporting centres) and
invitation links.

Two blueprints, each with its rule:

* ``admin`` (/staff/admin/...): administrators only.
* ``invitation`` (/staff/invitation/<token>): public; the token is the only way in.
"""

from __future__ import annotations

from flask import Blueprint

from .. import access, roles

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")
access.require_roles(bp, roles.ADMIN)

invitation_bp = Blueprint("invitation", __name__, url_prefix="/staff/invitation")
access.allow_public(invitation_bp)

# The view modules register their routes on the blueprints when imported.
from . import account, audit_log, centres, invitation, pages, views  # noqa: E402, F401
