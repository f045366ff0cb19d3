"""Keeping unsent answers: the timeout warning's "Stay on this page" (WCAG 2.2.1)."""

from __future__ import annotations

from flask import Response
from flask.blueprints import BlueprintSetupState

from .. import drafts
from ..db import get_session
from . import bp, draft

# The warning opens this long before the answers would be deleted (GOV.UK's pattern: enough
# time to read it and act, even with assistive technology).
WARNING_SECONDS = 5 * 60


@bp.post("/report/keep-alive")
def keep_alive() -> Response:
    """Push the draft's idle expiry back; 204, so a form posted here leaves the page as it is.

    No draft cookie, an expired draft or a sent one fall to the journey's error handlers: the
    browser then shows the page that says what happened (404, 410, or the receipt page).
    """
    db = get_session()
    drafts.keep_alive(db, draft.required_cookie(), idle_minutes=draft.idle_minutes())
    db.commit()
    return Response(status=204)


def draft_seconds_left() -> int:
    """Seconds until this request's draft expires (no query: the view has loaded it)."""
    return drafts.seconds_left(get_session(), draft.cookie())


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals["draft_seconds_left"] = draft_seconds_left
    state.app.jinja_env.globals["timeout_warning_seconds"] = WARNING_SECONDS
