"""Signing in and out, the staff area's front door, and your own account's pages.

The web side of ``reporting.auth`` (which the access check itself depends on, so these
blueprints cannot live in that package). Three blueprints, each with its rule:

* ``auth`` (/staff/sign-in, /staff/signed-out): public.
* ``front`` (just /staff): every role, so a signed-out visitor is sent to sign in first.
* ``account`` (/staff/account/...): every role.
"""

from __future__ import annotations

from flask import Blueprint

from .. import access, roles

bp = Blueprint("auth", __name__, url_prefix="/staff")
access.allow_public(bp)

front_bp = Blueprint("front", __name__, url_prefix="/staff")
access.require_roles(front_bp, *roles.ALL)

account_bp = Blueprint("account", __name__, url_prefix="/staff/account")
access.require_roles(account_bp, *roles.ALL)

# The view modules register their routes on the blueprints when imported.
from . import account, views  # noqa: E402, F401
