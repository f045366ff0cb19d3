"""Staying signed in: the receipt session's timeout warning and its "Stay signed in" (WCAG 2.2.1).

The warning (templates/replies/_timeout_warning.html, opened by static/js/timeout-warning.js,
the journey's script) comes RECEIPT_WARNING_SECONDS before the session would end. Its button
posts here: the session's idle expiry moves back, and the answer is 204 No Content, so the
browser stays on the page with whatever was being typed (there is no page to come back to by
Back or refresh, so nothing is sent twice). Without a live session, the blueprint's handler
answers with the page that says they were signed out (404, or 410 if the time ran out).
"""

from __future__ import annotations

from flask import Response, current_app, request
from flask.blueprints import BlueprintSetupState

from .. import follow_up
from ..db import get_session
from . import bp


def idle_minutes() -> int:
    """How long a receipt session lasts after the reporter's last request."""
    minutes: int = current_app.config["RECEIPT_IDLE_MINUTES"]
    return minutes


def cookie() -> follow_up.ReceiptCookie | None:
    """This request's receipt session cookie (None: none, or malformed)."""
    name: str = current_app.config["RECEIPT_COOKIE_NAME"]
    return follow_up.ReceiptCookie.parse(request.cookies.get(name))


@bp.post("/replies/keep-alive")
def keep_alive() -> Response:
    """Push the session's idle expiry back; 204, so the page and what is typed stay as they are."""
    db = get_session()
    follow_up.load(db, cookie(), idle_minutes=idle_minutes())
    db.commit()
    return Response(status=204)


def receipt_seconds_left() -> int:
    """Seconds until this request's receipt session ends (0: it has none), for its warning."""
    return follow_up.seconds_left(get_session(), cookie())


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals["receipt_seconds_left"] = receipt_seconds_left
