"""The public reporting journey: start, one question a page, check, send, confirmation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovTextArea,
)
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from .. import cookies, drafts, govuk, reports
from ..config import receipt_pepper
from ..db import get_session
from ..keys import NoTeamKey
from . import bp, forms
from .fields import JourneyForm
from .questions import (
    PAGES,
    PAGES_BY_SLUG,
    PENDING,
    Page,
    clean_answers,
    first_unanswered,
    page_after,
    page_before,
    position,
    summary_sections,
    without_pending,
)


def _config() -> dict[str, Any]:
    return current_app.config  # type: ignore[return-value]


def _cookie() -> drafts.DraftCookie | None:
    return drafts.DraftCookie.parse(request.cookies.get(_config()["DRAFT_COOKIE_NAME"]))


def _set_draft_cookie(response: BaseResponse, cookie: drafts.DraftCookie) -> None:
    cookies.set_private(response, _config()["DRAFT_COOKIE_NAME"], cookie.value())


def _forget_draft(response: BaseResponse) -> None:
    cookies.clear_private(response, _config()["DRAFT_COOKIE_NAME"])


def _load_answers() -> dict[str, Any]:
    return drafts.load_answers(get_session(), _cookie())


def _question_url(page: Page | None, *, change: bool = False) -> str:
    if page is None:
        return url_for("journey.check")
    if change:
        return url_for("journey.question", slug=page.slug, change="1")
    return url_for("journey.question", slug=page.slug)


@bp.errorhandler(drafts.DraftMissing)
def _no_draft(_error: Exception) -> BaseResponse:
    """No draft cookie: say so (the start page would look as if nothing had happened)."""
    if drafts.is_sent_marker(request.cookies.get(_config()["DRAFT_COOKIE_NAME"])):
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
            minutes=_config()["DRAFT_IDLE_MINUTES"],
            form=forms.StartForm(),
        ),
        410,
    )
    _forget_draft(response)
    return response


@bp.get("/")
def index() -> str:
    return render_template(
        "journey/start.html", title=_config()["SERVICE_NAME"], form=forms.StartForm()
    )


@bp.post("/start")
def start() -> BaseResponse:
    form = forms.StartForm()
    if not form.validate() or form.honeypot_filled:
        abort(400)
    db = get_session()
    drafts.delete_draft(db, _cookie())
    cookie = drafts.start_draft(db, idle_minutes=_config()["DRAFT_IDLE_MINUTES"])
    db.commit()
    response = redirect(_question_url(PAGES[0]))
    _set_draft_cookie(response, cookie)
    return response


def field_params(
    page: Page, form: JourneyForm, answers: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """GOV.UK macro parameters for each field: the h1 on one-question pages, sizes, hints."""
    params: dict[str, dict[str, Any]] = {}
    for form_field in form.answer_fields():
        is_group = isinstance(form_field.widget, (GovRadioInput, GovCheckboxesInput, GovDateInput))
        size = "l" if page.single_question else "m"
        label: dict[str, Any] = {"text": form_field.label.text}
        if page.single_question:
            label["isPageHeading"] = True
        p: dict[str, Any]
        if is_group:
            label["classes"] = f"govuk-fieldset__legend--{size}"
            p = {"fieldset": {"legend": label}}
        else:
            label["classes"] = f"govuk-label--{size if page.single_question else 's'}"
            p = {"label": label}
        if not form_field.description:
            p["hint"] = None  # else an empty hint is rendered and pointed at
        hints = (
            _config()["DISTRICT_HINTS"]
            if form_field.name == "district"
            else forms.choice_hints(form_field.name, answers)
        )
        exclusive = forms.EXCLUSIVE_CHOICES.get(form_field.name)
        if hints or exclusive:
            items: list[dict[str, Any]] = []
            for value, _label in form_field.choices or []:  # type: ignore[attr-defined]
                item: dict[str, Any] = {}
                if hints and value in hints:
                    item["hint"] = {"text": hints[value]}
                if value == exclusive:
                    item["behaviour"] = "exclusive"
                items.append(item)
            p["items"] = items
        if isinstance(form_field.widget, GovCharacterCount):
            p["maxlength"] = forms.ACCOUNT_MAX
            p["rows"] = 10
        elif isinstance(form_field.widget, GovTextArea):
            p["rows"] = 5
        if form_field.name == "email":
            p.update({"type": "email", "autocomplete": "email", "spellcheck": False})
        elif form_field.name == "phone":
            p.update({"type": "tel", "autocomplete": "tel", "classes": "govuk-input--width-20"})
        params[form_field.name] = p
    return params


def _page_title(page: Page, form: JourneyForm, answers: dict[str, Any]) -> str:
    """The <title>: a one-question page's question, else the page's h1."""
    if page.single_question:
        return str(form.answer_fields()[0].label.text).removesuffix(" (optional)")
    return page.heading(answers)


def render_question(
    page: Page,
    form: JourneyForm,
    answers: dict[str, Any],
    *,
    changing: bool,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    previous = page_before(page.slug, answers)
    back = (
        url_for("journey.check")
        if changing
        else (_question_url(previous) if previous else url_for("journey.index"))
    )
    html = render_template(
        "journey/question.html",
        page=page,
        heading=page.heading(answers),
        form=form,
        title=_page_title(page, form, answers),
        params=field_params(page, form, answers),
        errors=govuk.error_summary(form.answer_fields()),
        back_url=back,
        action=_question_url(page, change=changing),
        notice=notice,
        anonymity_hint=forms.ANONYMITY_HINT,
        kept_minutes=_config()["DRAFT_IDLE_MINUTES"] if page.long_text else None,
    )
    return make_response(html, status)


def _typed(formdata: Any) -> list[list[str]]:
    """What the person typed on a page, as stored with the draft until it is answered."""
    return [
        # Whole values: the request size cap (MAX_CONTENT_LENGTH) bounds them.
        [name, value]
        for name, value in formdata.items(multi=True)
        if name not in ("csrf_token", "website")
    ][:200]


def _save(answers: dict[str, Any]) -> None:
    db = get_session()
    drafts.save_answers(
        db, _cookie(), clean_answers(answers), idle_minutes=_config()["DRAFT_IDLE_MINUTES"]
    )
    db.commit()


@bp.route("/report/<slug>", methods=["GET", "POST"])
def question(slug: str) -> BaseResponse:
    page = PAGES_BY_SLUG.get(slug)
    if page is None:
        abort(404)
    answers = _load_answers()
    changing = request.args.get("change") == "1"
    if not page.applies(answers):
        return redirect(_question_url(first_unanswered(answers), change=changing))
    first = first_unanswered(answers)
    if first is not None and position(page) > position(first):
        # Questions are answered in order; a later page cannot be reached by its address.
        return redirect(_question_url(first))
    pending = answers.get(PENDING, {}).get(page.slug)

    if request.method == "GET":
        if pending is not None:
            # The person's last try on this page had errors: show it, with them, again.
            form = page.make_form(_config(), answers, MultiDict(pending))
            form.validate()
            return render_question(page, form, answers, changing=changing, status=400)
        return render_question(page, page.make_form(_config(), answers), answers, changing=changing)

    form = page.make_form(_config(), answers, request.form)
    if form.honeypot_filled:
        abort(400)
    if not form.validate():
        # POST-redirect-GET also after an error, so that Back and refresh show a real page:
        # what was typed is kept (encrypted) with the draft and shown again by the GET.
        answers.setdefault(PENDING, {})[page.slug] = _typed(request.form)
        _save(answers)
        return redirect(_question_url(page, change=changing), code=303)
    answers[page.slug] = form.answers()
    answers.get(PENDING, {}).pop(page.slug, None)
    answers = clean_answers(answers)
    _save(answers)
    if page.slug == "danger" and answers["danger"]["danger"] == "yes":
        return redirect(url_for("journey.danger", change="1" if changing else None), code=303)
    if changing:
        # Back to the check page, through any follow-up page the new answer opened.
        return redirect(_question_url(first_unanswered(answers), change=True), code=303)
    return redirect(_question_url(page_after(page.slug, answers)), code=303)


@bp.get("/report/in-danger")
def danger() -> str:
    """Emergency numbers first; then the report goes on with the answer kept for staff."""
    try:
        answers = _load_answers()
    except (drafts.DraftMissing, drafts.DraftExpired):
        answers = None
    if answers is None:
        next_url = url_for("journey.index")
    elif request.args.get("change") == "1":
        next_url = _question_url(first_unanswered(answers), change=True)
    else:
        next_url = _question_url(page_after("danger", answers))
    return render_template("journey/danger.html", title="Call 999 now", next_url=next_url)


@bp.route("/report/check", methods=["GET", "POST"])
def check() -> BaseResponse:
    answers = _load_answers()
    missing = first_unanswered(answers)
    if missing is not None:
        return redirect(_question_url(missing))
    if PENDING in answers:
        # What was typed on a page with errors and then left is not an answer: with every
        # page answered it is dropped here (send_report leaves such keys out as well).
        answers = without_pending(answers)
        _save(answers)
    if request.method == "POST":
        # CSRFProtect checked the token before this view ran, on every POST (a form's own
        # check is then skipped anyway): this form only reads the honeypot, so it makes no
        # fresh token, which costs more than the form.
        form = forms.SendForm(meta={"csrf": False})
        if not form.validate() or form.honeypot_filled:
            abort(400)
        db = get_session()
        cookie = _cookie()
        assert cookie is not None  # the answers were loaded with it
        try:
            reports.send_report(
                db,
                cookie,
                answers,  # type: ignore[arg-type]
                pepper=receipt_pepper(_config()),
                receipt_kdf=_config()["RECEIPT_KDF"],
                today=dt.date.today(),
            )
        except NoTeamKey:
            abort(503, description="This service has not been set up to receive reports yet.")
        except reports.AlreadySent:
            db.rollback()  # a second click: the first one sent it, and its receipt is shown
        else:
            db.commit()
        # Post/redirect/get: the receipt page survives a refresh, Back and a second click.
        response = redirect(url_for("journey.sent"), 303)
        _set_draft_cookie(response, cookie.as_sent())
        return response

    def change_url(slug: str, field_id: str) -> str:
        return url_for("journey.question", slug=slug, change="1") + f"#{field_id}"

    return make_response(
        render_template(
            "journey/check.html",
            title="Check your answers before sending your report",
            sections=summary_sections(_config(), answers, change_url),
            form=forms.SendForm(),
        )
    )


@bp.get("/exit")
def exit_page() -> BaseResponse:
    """Delete the draft and its cookie, then leave for a neutral page."""
    db = get_session()
    drafts.delete_draft(db, _cookie())
    db.commit()
    response = redirect(_config()["EXIT_URL"])
    _forget_draft(response)
    cookies.clear_private(response, _config()["SESSION_COOKIE_NAME"])
    return response


@bp.get("/privacy")
def privacy() -> str:
    return render_template("journey/privacy.html", title="How we protect your information")


@bp.errorhandler(CSRFError)
def _csrf_failed(_error: CSRFError) -> BaseResponse:
    """Keep what the person typed: show their answer again with a fresh token."""
    page = PAGES_BY_SLUG.get((request.view_args or {}).get("slug", ""))
    if request.endpoint == "journey.question" and page is not None:
        try:
            answers = _load_answers()
        except drafts.DraftSent:
            return redirect(url_for("journey.sent"), 303)
        except drafts.DraftExpired as expired:
            return _draft_expired(expired)
        except drafts.DraftMissing:
            answers = None
        if answers is not None:
            form = page.make_form(_config(), answers, request.form)
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
