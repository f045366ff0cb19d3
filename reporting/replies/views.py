"""The receipt pages: check for replies, the report as its reporter sees it, a reply, sign out.

Thin: parse, call follow_up, commit, then render or redirect. No id of anything is ever in a
URL: the session cookie alone says which report a page is about.
"""

from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from .. import config, cookies, follow_up, govuk, messages
from ..clock import utcnow
from ..db import get_session
from . import bp
from .forms import EMPTY_RECEIPT, MessageForm, ReceiptForm
from .keepalive import idle_minutes

NOT_RECOGNISED = "We could not find a report with that receipt. Check the 16 digits and try again."
# The officers' status codes (casework.STATUSES) in the reporter's words.
STATUS_WORDS = {
    "new": "Received",
    "in-review": "Being looked at",
    "referred": "Passed on",
    "closed": "Closed",
}


def cookie_name() -> str:
    name: str = current_app.config["RECEIPT_COOKIE_NAME"]
    return name


def _cookie() -> follow_up.ReceiptCookie | None:
    return follow_up.ReceiptCookie.parse(request.cookies.get(cookie_name()))


# After a POST, always a redirect to a GET (Back, refresh and a second click show a real page
# and send nothing again). What a wrong receipt's GET is told: only which error, in the query
# (harmless if crafted). The receipt typed is neither kept nor shown again: on a shared device,
# nor is a wrong receipt's answer told apart from another's by anything (the same 303, the same
# Location, the same page but for its CSRF token).
RECEIPT_ERRORS = {"empty": EMPTY_RECEIPT, "not-found": NOT_RECOGNISED}


@bp.route("/replies", methods=["GET", "POST"])
def check() -> Response | tuple[str, int]:
    form = ReceiptForm()
    if not form.is_submitted():
        error = RECEIPT_ERRORS.get(request.args.get("error", ""))
        if error is None:
            return _check_page(form), 200
        form.receipt.errors = [error]
        return _check_page(form, errors=govuk.error_summary([form.receipt])), 400
    if not form.validate():
        return redirect(url_for("replies.check", error="empty"), 303)
    db = get_session()
    try:
        cookie = follow_up.open_with_receipt(
            db,
            form.receipt.data or "",
            pepper=config.receipt_pepper(current_app.config),
            receipt_kdf=current_app.config["RECEIPT_KDF"],
            idle_minutes=idle_minutes(),
        )
    except follow_up.ReceiptNotRecognised:
        return redirect(url_for("replies.check", error="not-found"), 303)
    follow_up.end(db, _cookie())  # an earlier session in this browser
    db.commit()
    response = redirect(url_for("replies.report"), 303)
    cookies.set_private(response, cookie_name(), cookie.value())
    return response


def _check_page(form: ReceiptForm, errors: list[dict[str, str]] | None = None) -> str:
    return render_template(
        "replies/check.html",
        title="Check for replies",
        form=form,
        errors=errors or [],
        idle_minutes=idle_minutes(),
    )


def _show(page: follow_up.ReporterPage, form: MessageForm, status: int = 200) -> tuple[str, int]:
    html = render_template(
        "replies/report.html",
        title="Your report",
        page=page,
        status_words=STATUS_WORDS.get(page.status, "Received"),
        form=form,
        message_max=messages.MESSAGE_MAX,
        idle_minutes=idle_minutes(),
        errors=govuk.error_summary([form.message]),
        sent=request.args.get("sent") == "1" and status == 200,
    )
    return html, status


def _message_errors(form: MessageForm) -> list[str]:
    """The form's errors for its text, else the ones messages.post would raise."""
    if not form.message.validate(form):
        return list(form.message.errors)
    try:
        messages.clean(form.message.data)
    except messages.EmptyMessage:
        return ["Enter your message"]
    except messages.MessageTooLong:
        return [f"Your message must be {messages.MESSAGE_MAX:,} characters or fewer"]
    return []


@bp.get("/replies/report")
def report() -> tuple[str, int]:
    db = get_session()
    session = follow_up.load(db, _cookie(), idle_minutes=idle_minutes())
    page = follow_up.reporter_page(db, session)
    db.commit()  # the session's new expiry, and the team's messages marked read
    if session.pending is None or page.thread is None:
        return _show(page, MessageForm(formdata=None))
    # A reply refused for its errors: shown again, with them, until one is sent (a refresh or
    # Back shows it too; sign out, exit or the idle time forget it).
    form = MessageForm(formdata=MultiDict({"message": session.pending}))
    form.message.errors = _message_errors(form)
    return _show(page, form, status=400 if form.message.errors else 200)


@bp.post("/replies/report/message")
def send_message() -> Response:
    db = get_session()
    cookie = _cookie()
    if cookie is None:
        raise follow_up.ReceiptSessionMissing
    session = follow_up.load(db, cookie, idle_minutes=idle_minutes())
    if session.data_key is None:  # messages are not available yet: the page says why
        db.commit()
        return redirect(url_for("replies.report"), 303)
    form = MessageForm()
    if form.validate():
        try:
            follow_up.reply(db, session, form.message.data or "", today=utcnow().date())
        except messages.MessageError:
            pass  # the next page says why, as for the form's own errors
        else:
            follow_up.keep_pending(db, cookie, session, None)
            db.commit()
            return redirect(url_for("replies.report", sent="1"), 303)
    # Kept, sealed with the session, for the page the redirect shows (and a refresh of it).
    follow_up.keep_pending(db, cookie, session, request.form.get("message", ""))
    db.commit()
    return redirect(url_for("replies.report"), 303)


@bp.post("/replies/sign-out")
def sign_out() -> Response:
    db = get_session()
    follow_up.end(db, _cookie())
    db.commit()
    response = redirect(url_for("replies.signed_out"), 303)
    cookies.clear_private(response, cookie_name())
    return response


@bp.get("/replies/signed-out")
def signed_out() -> str:
    return render_template("replies/signed_out.html", title="You have signed out of your report")


@bp.errorhandler(follow_up.ReceiptSessionMissing)
def _session_ended(error: Exception) -> Response:
    """No session, or it ran out of idle time (its row deleted: committed here)."""
    get_session().commit()
    # A message being sent when the session ran out is shown back, so it can be copied.
    typed = request.form.get("message", "") if request.endpoint == "replies.send_message" else ""
    response = make_response(
        render_template(
            "replies/ended.html",
            title="You have been signed out of your report",
            minutes=idle_minutes(),
            typed=typed[: messages.MESSAGE_MAX],
        ),
        410 if isinstance(error, follow_up.ReceiptSessionExpired) else 404,
    )
    cookies.clear_private(response, cookie_name())
    return response
