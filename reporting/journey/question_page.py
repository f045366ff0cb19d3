"""The question pages: one question (or two) a page, answered in order, then the danger page."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from .. import drafts
from . import bp, draft
from .pages import PAGES_BY_SLUG
from .questions import PENDING, clean_answers, first_unanswered, page_after, position
from .render import question_url, render_question


def _typed(formdata: MultiDict[str, str]) -> list[list[str]]:
    """What the person typed on a page, as stored with the draft until it is answered."""
    return [
        # Whole values: the request size cap (MAX_CONTENT_LENGTH) bounds them.
        [name, value]
        for name, value in formdata.items(multi=True)
        if name not in ("csrf_token", "website")
    ][:200]


@bp.route("/report/<slug>", methods=["GET", "POST"])
def question(slug: str) -> BaseResponse:
    page = PAGES_BY_SLUG.get(slug)
    if page is None:
        abort(404)
    answers = draft.load_answers()
    changing = request.args.get("change") == "1"
    if not page.applies(answers):
        return redirect(question_url(first_unanswered(answers), change=changing))
    first = first_unanswered(answers)
    if first is not None and position(page) > position(first):
        # Questions are answered in order; a later page cannot be reached by its address.
        return redirect(question_url(first))
    pending = answers.get(PENDING, {}).get(page.slug)
    settings = current_app.config

    if request.method == "GET":
        if pending is not None:
            # The person's last try on this page had errors: show it, with them, again.
            form = page.make_form(settings, answers, MultiDict(pending))
            form.validate()
            return render_question(page, form, answers, changing=changing, status=400)
        return render_question(page, page.make_form(settings, answers), answers, changing=changing)

    form = page.make_form(settings, answers, request.form)
    if form.honeypot_filled:
        abort(400)
    if not form.validate():
        # POST-redirect-GET also after an error, so that Back and refresh show a real page:
        # what was typed is kept (encrypted) with the draft and shown again by the GET.
        answers.setdefault(PENDING, {})[page.slug] = _typed(request.form)
        draft.save_answers(answers)
        return redirect(question_url(page, change=changing), code=303)
    answers[page.slug] = form.answers()
    answers.get(PENDING, {}).pop(page.slug, None)
    answers = clean_answers(answers)
    draft.save_answers(answers)
    if page.slug == "danger" and answers["danger"]["danger"] == "yes":
        return redirect(url_for("journey.danger", change="1" if changing else None), code=303)
    if changing:
        # Back to the check page, through any follow-up page the new answer opened.
        return redirect(question_url(first_unanswered(answers), change=True), code=303)
    return redirect(question_url(page_after(page.slug, answers)), code=303)


@bp.get("/report/in-danger")
def danger() -> str:
    """Emergency numbers first; then the report goes on with the answer kept for staff."""
    try:
        answers = draft.load_answers()
    except (drafts.DraftMissing, drafts.DraftExpired):
        answers = None
    if answers is None:
        next_url = url_for("journey.index")
    elif request.args.get("change") == "1":
        next_url = question_url(first_unanswered(answers), change=True)
    else:
        next_url = question_url(page_after("danger", answers))
    return render_template("journey/danger.html", title="Call 999 now", next_url=next_url)
