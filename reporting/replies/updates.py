"""The receipt page's two other forms: add to your report, and change what you agree to share.

Thin, like views.py: the one-use token checked (``views.posted``), one reporter_updates call,
commit, a 303 to the report page. A form refused is kept sealed in the session (``kept``) and
shown again, with its errors, by the page; a form sent is forgotten and its confirmation shown
once.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from .. import follow_up, reporter_updates
from ..clock import utcnow
from ..db import get_session
from . import bp
from .forms import AdditionForm, SharingForm
from .views import posted


def _done(
    cookie: follow_up.ReceiptCookie,
    session: follow_up.ReceiptSession,
    form: str,
    *,
    notice: str | None = None,
    kept: str | None = None,
) -> Response:
    """Forget (or keep) what was sent in ``form``, commit, and go back to the page."""
    others = {name: text for name, text in session.kept.items() if name != form}
    if kept is not None:
        others[form] = kept
    db = get_session()
    follow_up.save(db, cookie, replace(session, kept=others, notice=notice))
    db.commit()
    return redirect(url_for("replies.report"), 303)


@bp.post("/replies/report/add")
def add_information() -> Response:
    sent = posted()
    if sent is None:
        return redirect(url_for("replies.report"), 303)
    cookie, session = sent
    form = AdditionForm()
    if form.validate():
        try:
            reporter_updates.add_through_receipt(
                get_session(), session, form.addition.data, today=utcnow().date()
            )
        except reporter_updates.UpdateError:
            pass  # the page says why, as for the form's own errors
        else:
            return _done(cookie, session, "addition", notice="added")
    return _done(cookie, session, "addition", kept=request.form.get("addition", ""))


@bp.post("/replies/report/sharing")
def change_sharing() -> Response:
    sent = posted()
    if sent is None:
        return redirect(url_for("replies.report"), 303)
    cookie, session = sent
    form = SharingForm()
    if form.validate():
        try:
            changed = reporter_updates.change_through_receipt(
                get_session(),
                session,
                form.share_with_police.data,
                form.share_with_support.data,
                today=utcnow().date(),
            )
        except reporter_updates.InvalidSharing:
            pass
        else:
            return _done(cookie, session, "sharing", notice="sharing" if changed else "unchanged")
    chosen = {
        name: request.form.get(name, "") for name in ("share_with_police", "share_with_support")
    }
    return _done(cookie, session, "sharing", kept=urlencode(chosen))
