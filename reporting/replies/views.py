"""The receipt pages: check for replies, the report as its reporter sees it, a reply, sign out.

Thin: parse, call follow_up, commit, then render or redirect. No id of anything is ever in a
URL: the session cookie alone says which report a page is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app, make_response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from .. import config, cookies, follow_up, govuk, messages, reporter_updates
from ..clock import utcnow
from ..db import get_session
from . import bp
from .forms import EMPTY_RECEIPT, AdditionForm, MessageForm, ReceiptForm, SharingForm
from .keepalive import idle_minutes
from .kept import kept_forms

NOT_RECOGNISED = "We could not find a report with that receipt. Check the 16 digits and try again."
# The officers' status codes (casework.STATUSES) in the reporter's words.
STATUS_WORDS = {
    "new": "Received",
    "in-review": "Being looked at",
    "referred": "Passed on",
    "closed": "Closed",
}


def status_words(page: follow_up.ReporterPage) -> str:
    """The status in the reporter's words: a new report an officer has opened is being
    looked at (the first-look clock stopped), whatever its status code says."""
    if page.status == "new" and page.looked_at:
        return STATUS_WORDS["in-review"]
    return STATUS_WORDS.get(page.status, "Received")


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


# The one confirmation a page shows after a form was sent (kept in the sealed session and shown
# once: a refresh does not show it again).
NOTICES = {
    "sent": "Your message has been sent",
    "added": "What you added has been added to your report",
    "sharing": "What you agree to share has been changed",
    "unchanged": "Nothing was changed: you chose what you already agree to share",
}


@dataclass
class ReportForms:
    """The report page's forms, as sent or shown again with their errors."""

    message: MessageForm = field(default_factory=lambda: MessageForm(formdata=None))
    addition: AdditionForm = field(default_factory=lambda: AdditionForm(formdata=None))
    sharing: SharingForm | None = None

    def errors(self) -> list[dict[str, str]]:
        fields: list[Any] = [self.message.message, self.addition.addition]
        if self.sharing is not None:
            fields += [self.sharing.share_with_police, self.sharing.share_with_support]
        return govuk.error_summary(fields)


def _show(
    page: follow_up.ReporterPage,
    session: follow_up.ReceiptSession,
    forms: ReportForms,
    yours: reporter_updates.ReporterSide | None,
    notice: str | None,
) -> tuple[str, int]:
    errors = forms.errors()
    html = render_template(
        "replies/report.html",
        title="Your report",
        page=page,
        status_words=status_words(page),
        form=forms.message,
        addition_form=forms.addition,
        sharing_form=forms.sharing,
        yours=yours,
        form_token=session.form_token,
        message_max=messages.MESSAGE_MAX,
        addition_max=reporter_updates.ADDITION_MAX,
        idle_minutes=idle_minutes(),
        errors=errors,
        # Shown even beside another form's errors: what was sent was sent.
        notice=NOTICES.get(notice or ""),
    )
    return html, 400 if errors else 200


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
    cookie = _cookie()
    session = follow_up.load(db, cookie, idle_minutes=idle_minutes())
    page = follow_up.reporter_page(db, session)
    yours = reporter_updates.for_reporter(db, session)
    notice = session.notice
    if cookie is not None and notice is not None:  # shown once: a refresh does not repeat it
        session = follow_up.save(db, cookie, replace(session, notice=None))
    db.commit()  # the session's new expiry, and the team's messages marked read
    forms = ReportForms()
    if session.pending is not None and page.thread is not None:
        # A reply refused for its errors: shown again, with them, until one is sent (a
        # refresh or Back shows it too; sign out, exit or the idle time forget it).
        forms.message = MessageForm(formdata=MultiDict({"message": session.pending}))
        forms.message.message.errors = _message_errors(forms.message)
    if yours is not None:
        forms.addition, forms.sharing = kept_forms(session, yours)
    return _show(page, session, forms, yours, notice)


def posted() -> tuple[follow_up.ReceiptCookie, follow_up.ReceiptSession] | None:
    """The session a report page form was sent in, its one-use token now used; None (and
    nothing to do but show the page) if that token was used already: a double click, Back to
    a form sent, or a form from an earlier session."""
    db = get_session()
    cookie = _cookie()
    if cookie is None:
        raise follow_up.ReceiptSessionMissing
    session = follow_up.load(db, cookie, idle_minutes=idle_minutes())
    fresh = follow_up.use_token(db, cookie, session, request.form.get("form_token"))
    if fresh is None or fresh.data_key is None:  # messages unavailable yet: the page says why
        db.commit()
        return None
    return cookie, fresh


@bp.post("/replies/report/message")
def send_message() -> Response:
    db = get_session()
    sent = posted()
    if sent is None:
        return redirect(url_for("replies.report"), 303)
    cookie, session = sent
    form = MessageForm()
    if form.validate():
        try:
            follow_up.reply(db, session, form.message.data or "", today=utcnow().date())
        except messages.MessageError:
            pass  # the next page says why, as for the form's own errors
        else:
            follow_up.save(db, cookie, replace(session, pending=None, notice="sent"))
            db.commit()
            return redirect(url_for("replies.report"), 303)
    # Kept, sealed with the session, for the page the redirect shows (and a refresh of it).
    follow_up.save(db, cookie, replace(session, pending=request.form.get("message", "")))
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
    typed = {
        "replies.send_message": request.form.get("message", ""),
        "replies.add_information": request.form.get("addition", ""),
    }.get(request.endpoint or "", "")
    response = make_response(
        render_template(
            "replies/ended.html",
            title="You have been signed out of your report",
            minutes=idle_minutes(),
            typed=typed[: reporter_updates.ADDITION_MAX],
            adding=request.endpoint == "replies.add_information",
        ),
        410 if isinstance(error, follow_up.ReceiptSessionExpired) else 404,
    )
    cookies.clear_private(response, cookie_name())
    return response
