"""What the journey answers when there is no draft to go on, or a page timed out (CSRF)."""

from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as BaseResponse

from .. import drafts
from . import bp, draft, forms
from .pages import PAGES_BY_SLUG
from .render import render_question


@bp.errorhandler(drafts.DraftMissing)
def _no_draft(_error: Exception) -> BaseResponse:
    """No draft cookie: say so (the start page would look as if nothing had happened)."""
    if draft.holds_sent_marker():
        return redirect(url_for("journey.sent"), 303)  # this browser sent a report
    html = render_template(
        "journey/missing.html", title="We cannot find your answers", form=forms.StartForm()
    )
    return make_response(html, 404)


@bp.errorhandler(drafts.DraftExpired)
def _draft_expired(_error: Exception) -> BaseResponse:
    response = make_response(
        render_template(
            "journey/expired.html",
            title="Your answers have been deleted",
            minutes=draft.idle_minutes(),
            form=forms.StartForm(),
        ),
        410,
    )
    draft.forget(response)
    return response


@bp.errorhandler(drafts.DraftSent)
def _draft_sent(_error: Exception) -> BaseResponse:
    """A journey page or a second send after sending: the receipt page instead."""
    response = redirect(url_for("journey.sent"), 303)
    cookie = draft.cookie()
    if cookie is not None and not cookie.sent:
        draft.set_cookie(response, cookie.as_sent())
    return response


@bp.errorhandler(CSRFError)
def _csrf_failed(_error: CSRFError) -> BaseResponse:
    """Keep what the person typed: show their answer again with a fresh token."""
    page = PAGES_BY_SLUG.get((request.view_args or {}).get("slug", ""))
    if request.endpoint == "journey.question" and page is not None:
        try:
            answers = draft.load_answers()
        except drafts.DraftSent:
            return redirect(url_for("journey.sent"), 303)
        except drafts.DraftExpired as expired:
            return _draft_expired(expired)
        except drafts.DraftMissing:
            answers = None
        if answers is not None:
            form = page.make_form(current_app.config, answers, request.form)
            return render_question(
                page,
                form,
                answers,
                changing=request.args.get("change") == "1",
                status=400,
                notice="For your security, this page timed out. Your answer is still here: "
                "check it and select Continue.",
            )
    return make_response(render_template("errors/csrf.html", title="Your page timed out"), 400)
