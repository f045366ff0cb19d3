"""Error pages: every failure a person can cause gets a page that says what to do next."""

from __future__ import annotations

import logging
import math
import time
import traceback

from flask import Flask, current_app, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import audit, keyauth

log = logging.getLogger(__name__)

# What a handler answers: the page and its status, and for some, headers.
Page = tuple[str, int]
PageWithHeaders = tuple[str, int, dict[str, str]]

TITLES = {
    400: "Sorry, there is a problem with what was sent",
    403: "You cannot see this page",
    404: "Page not found",
    405: "Page not found",
    410: "This page has gone",
    413: "What you sent is too long",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def _render(code: int, description: str | None = None) -> Page:
    return render_template(
        "errors/error.html", code=code, title=TITLES.get(code, TITLES[400]), description=description
    ), code


def handle_http_error(error: HTTPException) -> Page:
    code = error.code or 500
    description = (
        error.description
        if code in (400, 503)
        and error.description
        and (not error.description.startswith("The browser (or proxy)"))
        else None
    )
    return _render(code, description)


def handle_rate_limit(_error: RateLimitExceeded) -> PageWithHeaders:
    """429: how long to wait, worked out from the limit that was reached."""
    limiter: Limiter = current_app.extensions["reporting.limiter"]
    reached = limiter.current_limit
    seconds = 60
    if reached is not None:
        # The window's end itself: RequestLimit.reset_at adds a second.
        seconds = max(1, math.ceil(reached.window.reset_time - time.time()))
    minutes = max(1, math.ceil(seconds / 60))
    page = render_template("errors/error.html", code=429, title=TITLES[429], wait_minutes=minutes)
    return page, 429, {"Retry-After": str(seconds)}


def handle_csrf_error(_error: CSRFError) -> Page:
    return render_template("errors/csrf.html", title="Your page timed out"), 400


def handle_untrusted_team_key(_error: Exception) -> Page:
    """503: a team key failed its check (keyauth.py logged which); nothing was sealed to it."""
    if request.path.startswith("/staff"):
        return _render(
            503,
            "A team key failed its integrity check, so reports cannot be sent and team keys "
            "cannot be used. The server's log names the key; see How the keys work in the "
            "README.",
        )
    return _render(
        503,
        "Reports cannot be sent just now because the service needs an administrator to check "
        "its security keys. Nothing was sent, and your answers are kept: please try again "
        "later.",
    )


def handle_unexpected(error: Exception) -> Page:
    # The route's pattern and the stack only: an exception's message can quote what someone
    # typed, a path can carry a token (an invitation's), and the query string or the client's
    # address must never reach a log (ARCHITECTURE.md §3).
    stack = "".join(traceback.format_tb(error.__traceback__))
    route = request.url_rule.rule if request.url_rule is not None else "(no route)"
    log.error("unhandled %s on %s %s\n%s", type(error).__name__, request.method, route, stack)
    return _render(500)


def handle_audit_busy(_error: Exception) -> PageWithHeaders:
    """The audit log stayed locked (SQLite, a long write elsewhere): nothing was done; retry."""
    log.warning("audit log busy on %s", request.url_rule.rule if request.url_rule else "-")
    description = "Nothing was changed. Wait a moment, then try again."
    page, code = _render(503, description)
    return page, code, {"Retry-After": "5"}


def init_app(app: Flask) -> None:
    app.register_error_handler(audit.AuditBusy, handle_audit_busy)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limit)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_http_error)
    app.register_error_handler(keyauth.UntrustedTeamKey, handle_untrusted_team_key)
    app.register_error_handler(keyauth.KeyAuthenticationUnavailable, handle_untrusted_team_key)
    app.register_error_handler(Exception, handle_unexpected)
