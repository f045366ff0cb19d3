"""Default deny: every endpoint is closed unless its blueprint says who may enter.

A blueprint declares its rule once, where it is defined: ``allow_public`` (anyone) or
``require_roles`` (signed-in staff with one of the roles, checked by the blueprint's own
``before_request``). The rule is recorded on the app when the blueprint is registered, and
the app's own check refuses (403) any endpoint whose blueprint declared nothing, so a
forgotten declaration fails closed. The navigation asks the same rule (``may_open``) which
links to show. Who is signed in comes from the staff cookie, loaded once per request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.sansio.app import App
from werkzeug.wrappers import Response

from . import cookies, roles
from .auth import sessions
from .db import get_session

PUBLIC_ENDPOINTS = {"static"}
_RULES = "reporting.access"  # app.extensions: blueprint name -> Rule


@dataclass(frozen=True)
class Rule:
    """Who may enter one blueprint: anyone, or signed-in staff with one of ``roles``."""

    public: bool
    roles: frozenset[str] = frozenset()

    def admits(self, role: str | None) -> bool:
        """Whether someone with ``role`` (None: signed out) may enter."""
        return self.public or role in self.roles


def rules(app: App) -> Mapping[str, Rule]:
    """The rule of every registered blueprint that declared one, by blueprint name."""
    found: dict[str, Rule] = app.extensions.setdefault(_RULES, {})
    return found


def _record(bp: Blueprint, rule: Rule) -> None:
    def on_register(state: BlueprintSetupState) -> None:
        name = f"{state.name_prefix}.{state.name}".lstrip(".")
        declared: dict[str, Rule] = state.app.extensions.setdefault(_RULES, {})
        if declared.get(name, rule) != rule:
            raise ValueError(f"blueprint {name} declares two access rules")
        declared[name] = rule

    bp.record(on_register)


def allow_public(bp: Blueprint) -> None:
    """Open every endpoint of ``bp`` to anyone, signed in or not."""
    _record(bp, Rule(public=True))


def require_roles(bp: Blueprint, *allowed: str) -> None:
    """Let only signed-in users with one of the ``allowed`` roles into ``bp``."""
    unknown = set(allowed) - set(roles.ALL)
    if unknown or not allowed:
        raise ValueError(f"unknown roles {unknown}")
    rule = Rule(public=False, roles=frozenset(allowed))
    _record(bp, rule)
    bp.before_request(_role_check(rule))


def _role_check(rule: Rule) -> Callable[[], Response | None]:
    def check() -> Response | None:
        staff = current_staff()
        if staff is None:
            # Nothing half-done: a POST from an expired session is dropped, not replayed.
            target = (request.full_path.rstrip("?") or "/") if request.method == "GET" else None
            return redirect(
                url_for("auth.sign_in", next=target) if target else url_for("auth.sign_in")
            )
        if not rule.admits(staff.user.role):
            abort(403)
        return None

    return check


def _default_deny() -> None:
    """The app's own check, before any blueprint's: an undeclared blueprint answers 403."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return  # no route matched (the 404/405 handler answers), or a public endpoint
    if (request.blueprint or "") not in rules(current_app):
        abort(403)


def _admits(endpoint: str, role: str | None) -> bool:
    if endpoint not in current_app.view_functions:
        return False
    if endpoint in PUBLIC_ENDPOINTS:
        return True
    rule = rules(current_app).get(endpoint.rpartition(".")[0])
    return rule is not None and rule.admits(role)


def may_open(endpoint: str) -> bool:
    """Whether the person on this request may open ``endpoint``: the links the menu shows."""
    staff = current_staff()
    return _admits(endpoint, staff.user.role if staff else None)


def home_endpoint(role: str) -> str:
    """Where a signed-in person starts: the reports if their role may see them, else their
    own account page."""
    return "review.reports" if _admits("review.reports", role) else "account.home"


# --- Who is signed in ---------------------------------------------------------------------


def staff_cookie_name() -> str:
    return "dev-staff" if current_app.config["DEV_HTTP"] else "__Host-staff"


def staff_cookie() -> sessions.SessionCookie | None:
    """The staff session cookie this request carries, if it is well formed."""
    return sessions.SessionCookie.parse(request.cookies.get(staff_cookie_name()))


def set_staff_cookie(response: Response, cookie: sessions.SessionCookie) -> None:
    cookies.set_private(response, staff_cookie_name(), cookie.value())


def clear_staff_cookie(response: Response) -> None:
    cookies.clear_private(response, staff_cookie_name())


def current_staff() -> sessions.CurrentStaff | None:
    """The signed-in user of this request, loaded once; None when signed out."""
    if "staff" not in g:
        g.staff = sessions.load_session(get_session(), staff_cookie())
    staff: sessions.CurrentStaff | None = g.staff
    return staff


def signed_in_staff() -> sessions.CurrentStaff:
    """The signed-in user, for views behind ``require_roles``: the blueprint's check has sent
    anyone signed out to sign in, so None here would be a missing declaration (403)."""
    staff = current_staff()
    if staff is None:
        abort(403)
    return staff


def init_app(app: Flask) -> None:
    app.before_request(_default_deny)
    app.jinja_env.globals["current_staff"] = current_staff
    app.jinja_env.globals["may_open"] = may_open
