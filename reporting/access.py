"""Default deny: every endpoint is closed unless its blueprint says who may enter.

Public blueprints are an explicit allow-list (``allow_public``); every other blueprint
declares its roles in one place (``require_roles``). An endpoint of a blueprint that did
neither answers 403, so a forgotten declaration fails closed.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response

from . import roles
from .auth import sessions
from .db import get_session

_PUBLIC_BLUEPRINTS: set[str] = set()
_ROLE_BLUEPRINTS: dict[str, frozenset[str]] = {}
PUBLIC_ENDPOINTS = {"static"}


def allow_public(bp: Blueprint) -> None:
    """Open every endpoint of ``bp`` to anyone, signed in or not."""
    _PUBLIC_BLUEPRINTS.add(bp.name)


def require_roles(bp: Blueprint, *allowed: str) -> None:
    """Let only signed-in users with one of the ``allowed`` roles into ``bp``."""
    unknown = set(allowed) - set(roles.ALL)
    if unknown or not allowed:
        raise ValueError(f"unknown roles {unknown}")
    _ROLE_BLUEPRINTS[bp.name] = frozenset(allowed)


def may_enter(role: str, blueprint: str) -> bool:
    """Whether ``role`` may use the endpoints of the role-restricted ``blueprint``."""
    return role in _ROLE_BLUEPRINTS.get(blueprint, frozenset())


def home_endpoint(role: str) -> str:
    """Where a signed-in person starts: the reports if their role may see them, else their
    own account page."""
    return "review.reports" if may_enter(role, "review") else "account.home"


def staff_cookie_name() -> str:
    return "dev-staff" if current_app.config["DEV_HTTP"] else "__Host-staff"


def current_staff() -> sessions.CurrentStaff | None:
    """The signed-in user of this request, loaded once."""
    if "staff" not in g:
        cookie = sessions.SessionCookie.parse(request.cookies.get(staff_cookie_name()))
        g.staff = sessions.load_session(get_session(), cookie)
    return g.staff  # type: ignore[no-any-return]


def _check_access() -> Response | None:
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: the 404/405 handler answers
    if endpoint in PUBLIC_ENDPOINTS or request.blueprint in _PUBLIC_BLUEPRINTS:
        return None
    allowed = _ROLE_BLUEPRINTS.get(request.blueprint or "")
    if allowed is None:
        abort(403)
    staff = current_staff()
    if staff is None:
        # Nothing half-done: a POST from an expired session is dropped, not replayed.
        target = (request.full_path.rstrip("?") or "/") if request.method == "GET" else None
        return redirect(url_for("auth.sign_in", next=target) if target else url_for("auth.sign_in"))
    if staff.user.role not in allowed:
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(_check_access)
