"""After "Send report": the receipt page (post/redirect/get), checking the receipt, its end.

``POST /report/check`` sends and redirects here. While the draft is in its sent state
(reporting/sent.py) this page shows the reference and receipt, however often it is loaded;
confirming the receipt's last 4 digits, or skipping that, ends the state, and from then on the
page says the report was sent and the receipt cannot be shown again.
"""

from __future__ import annotations

import dataclasses

from flask import current_app, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from .. import drafts, sent
from ..db import get_session
from . import bp, draft
from .info import services_for

ERRORS = {
    sent.LastFour.EMPTY.value: "Enter the last 4 digits of your receipt, or select Skip",
    sent.LastFour.NOT_FOUR_DIGITS.value: "Enter 4 digits, like 1234",
    sent.LastFour.WRONG.value: "Those are not the last 4 digits of your receipt. "
    "Check what you wrote down",
}


def _set_sent_marker(response: BaseResponse) -> None:
    """Replace the draft cookie by one that holds no key, only "this browser sent"."""
    draft.set_cookie(response, drafts.SENT_MARKER_COOKIE)


@bp.get("/report/sent", endpoint="sent")
def sent_page() -> BaseResponse:
    cookie = draft.cookie()
    state, receipt = sent.read_sent(get_session(), cookie)
    if state is sent.SentState.NOT_SENT:
        return redirect(url_for("journey.check"))
    if receipt is None:
        known_sent = (cookie is not None and cookie.sent) or draft.holds_sent_marker()
        title = "Your report has been sent" if known_sent else "We cannot show your receipt again"
        response = make_response(
            render_template("journey/sent_ended.html", title=title, known_sent=known_sent)
        )
        if cookie is not None and cookie.sent:
            _set_sent_marker(response)  # the key opens nothing any more
        get_session().commit()  # read_sent deleted an ended state's row
        return response
    error = ERRORS.get(request.args.get("error", ""))
    html = render_template(
        "journey/confirmation.html",
        title="Report sent",
        reference=receipt.reference,
        receipt_groups=receipt.receipt_groups,
        sent_minutes=sent.SENT_MINUTES,
        # The support the person asked for first.
        services=services_for(current_app.config, receipt.support),
        error=error,
        errors=[{"text": error, "href": "#last-four"}] if error else None,
        typed=receipt.typed if error else "",
    )
    return make_response(html, 400 if error else 200)


@bp.post("/report/sent")
def confirm_receipt() -> BaseResponse:
    """Check the last 4 digits typed back, or skip; either way the receipt is not shown again
    once it is done. A wrong answer goes back to the page, which says what is wrong."""
    db = get_session()
    cookie = draft.cookie()
    if cookie is None:
        return redirect(url_for("journey.sent"), 303)
    _state, receipt = sent.read_sent(db, cookie)
    if receipt is None:
        return redirect(url_for("journey.sent"), 303)
    if request.form.get("action") == "skip":
        return _end(cookie, url_for("journey.sent"))
    typed = request.form.get("last_four", "")
    result = sent.check_last_four(receipt, typed)
    if result is sent.LastFour.RIGHT:
        return _end(cookie, url_for("journey.receipt_kept"))
    # Shown again by the GET with the error; kept (encrypted) with the receipt it is checked
    # against, and gone with it.
    sent.rewrite_receipt(db.connection(), cookie, dataclasses.replace(receipt, typed=typed.strip()))
    db.commit()
    return redirect(url_for("journey.sent", error=result.value), 303)


def _end(cookie: drafts.DraftCookie, location: str) -> BaseResponse:
    db = get_session()
    drafts.delete_draft(db, cookie)
    db.commit()
    response = redirect(location, 303)
    _set_sent_marker(response)
    return response


@bp.get("/report/receipt-kept")
def receipt_kept() -> BaseResponse:
    if not draft.holds_sent_marker():
        return redirect(url_for("journey.sent"))
    return make_response(
        render_template("journey/receipt_kept.html", title="You have your receipt")
    )
