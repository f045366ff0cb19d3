"""Check your answers, then send: the report is sealed and the browser goes to its receipt."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from .. import reports
from ..config import receipt_pepper
from ..db import get_session
from ..keys import NoTeamKey
from . import bp, draft, forms
from .questions import PENDING, first_unanswered, summary_sections, without_pending
from .render import question_url


def _change_url(slug: str, field_id: str) -> str:
    return url_for("journey.question", slug=slug, change="1") + f"#{field_id}"


@bp.route("/report/check", methods=["GET", "POST"])
def check() -> BaseResponse:
    answers = draft.load_answers()
    missing = first_unanswered(answers)
    if missing is not None:
        return redirect(question_url(missing))
    if PENDING in answers:
        # What was typed on a page with errors and then left is not an answer: with every
        # page answered it is dropped here (send_report leaves such keys out as well).
        answers = without_pending(answers)
        draft.save_answers(answers)
    if request.method == "POST":
        # CSRFProtect checked the token before this view ran, on every POST (a form's own
        # check is then skipped anyway): this form only reads the honeypot, so it makes no
        # fresh token, which costs more than the form.
        form = forms.SendForm(meta={"csrf": False})
        if not form.validate() or form.honeypot_filled:
            abort(400)
        db = get_session()
        cookie = draft.required_cookie()
        try:
            reports.send_report(
                db,
                cookie,
                answers,
                pepper=receipt_pepper(current_app.config),
                receipt_kdf=current_app.config["RECEIPT_KDF"],
                today=dt.date.today(),
                first_look_days=current_app.config["FIRST_LOOK_WORKING_DAYS"],
            )
        except NoTeamKey:
            abort(503, description="This service has not been set up to receive reports yet.")
        except reports.AlreadySent:
            db.rollback()  # a second click: the first one sent it, and its receipt is shown
        else:
            db.commit()
        # Post/redirect/get: the receipt page survives a refresh, Back and a second click.
        response = redirect(url_for("journey.sent"), 303)
        draft.set_cookie(response, cookie.as_sent())
        return response

    return make_response(
        render_template(
            "journey/check.html",
            title="Check your answers before sending your report",
            sections=summary_sections(current_app.config, answers, _change_url),
            form=forms.SendForm(),
        )
    )
