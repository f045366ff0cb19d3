"""The journey's way in and out: the start page, starting a draft, the exit, privacy."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from .. import cookies, drafts, follow_up
from ..db import get_session
from . import bp, draft, forms
from .pages import PAGES
from .render import question_url


@bp.get("/")
def index() -> str:
    return render_template(
        "journey/start.html", title=current_app.config["SERVICE_NAME"], form=forms.StartForm()
    )


@bp.post("/start")
def start() -> BaseResponse:
    form = forms.StartForm()
    if not form.validate() or form.honeypot_filled:
        abort(400)
    db = get_session()
    drafts.delete_draft(db, draft.cookie())
    cookie = drafts.start_draft(db, idle_minutes=draft.idle_minutes())
    db.commit()
    response = redirect(question_url(PAGES[0]))
    draft.set_cookie(response, cookie)
    return response


@bp.get("/exit")
def exit_page() -> BaseResponse:
    """Delete the draft and any receipt session, and their cookies, then leave for a neutral
    page."""
    db = get_session()
    drafts.delete_draft(db, draft.cookie())
    receipt_cookie = current_app.config["RECEIPT_COOKIE_NAME"]
    follow_up.end(db, follow_up.ReceiptCookie.parse(request.cookies.get(receipt_cookie)))
    db.commit()
    response = redirect(current_app.config["EXIT_URL"])
    draft.forget(response)
    cookies.clear_private(response, receipt_cookie)
    cookies.clear_private(response, current_app.config["SESSION_COOKIE_NAME"])
    return response


@bp.get("/privacy")
def privacy() -> str:
    return render_template("journey/privacy.html", title="How we protect your information")
