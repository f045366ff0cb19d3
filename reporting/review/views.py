"""The officers' workspace: the review list, one report, its triage and its notes.

Views are thin: validate a form, call one function in ``reporting.casework``, commit, redirect.
What a report page shows is assembled in ``pages``.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from .. import access, govuk, roles
from ..auth.sessions import CurrentStaff
from ..casework import actions, listing, opening
from ..db import get_session
from ..models import Report
from ..reports import ReportSealed, open_data_key
from . import pages
from .forms import AssignForm, ListFilterForm, NoteForm, StatusForm

bp = Blueprint("review", __name__, url_prefix="/staff/reports")
access.require_roles(bp, *roles.CASEWORK)


def _staff() -> CurrentStaff:
    staff = access.current_staff()
    assert staff is not None  # the blueprint's role check let only signed-in users through
    return staff


@bp.get("/")
def reports() -> Response:
    db = get_session()
    staff = _staff()
    config = current_app.config
    form = ListFilterForm(
        request.args,
        strands=config["HATE_STRANDS"],
        districts=config["DISTRICTS"],
        officers=actions.assignable_users(db),
    )
    result = None
    errors: list[dict[str, str]] = []
    if form.validate():
        try:
            result = listing.list_reports(db, form.filters(staff.user.id), page=form.page_number)
        except listing.PageOutOfRange as out_of_range:
            last = out_of_range.pages
            fill = (
                "fewer pages"  # a capped count: the last page is not known
                if last is None
                else f"{last:,} {'page' if last == 1 else 'pages'}"
            )
            form.page.errors = [
                f"There is no page {out_of_range.page:,}: the reports that match these filters "
                f"fill {fill}"
            ]
    errors = govuk.error_summary(form[name] for name in ListFilterForm.SHOWN)
    if form.page.errors:
        errors.append({"text": str(form.page.errors[0]), "href": "#results"})
    return pages.render_list(form, result, errors, status=400 if errors else 200)


def _find(reference: str) -> Report:
    try:
        return opening.find_report(get_session(), reference)
    except opening.ReportNotFound:
        abort(404)


@bp.get("/<reference>")
def report(reference: str) -> Response:
    return pages.render_report(_find(reference))


@bp.get("/<reference>/print")
def print_report(reference: str) -> Response:
    return pages.render_report(_find(reference), printable=True)


def _require_key(report: Report) -> bytes | Response:
    """The report's data key, or the "cannot open" page: nobody acts on what they cannot read."""
    try:
        return open_data_key(get_session(), report, _staff().team_keys)
    except ReportSealed:
        return pages.render_sealed(report)


def _back_to(report: Report, anchor: str = "") -> Response:
    return redirect(url_for("review.report", reference=report.reference) + anchor)


@bp.post("/<reference>/status")
def change_status(reference: str) -> Response:
    report = _find(reference)
    key = _require_key(report)
    if isinstance(key, Response):
        return key
    form = StatusForm()
    if not form.validate():
        return pages.render_report(report, status_form=form, errors=govuk.error_summary(form))
    db = get_session()
    code = 400
    try:
        actions.change_status(
            db,
            report,
            form.new_status.data,
            reason=form.close_reason.data or None,
            expected=form.expected.data or None,
            actor_id=_staff().user.id,
            today=dt.date.today(),
        )
    except actions.InvalidTransition as refused:
        form.new_status.errors = [
            f"A report that is {pages.status_label(refused.current).lower()} cannot be moved "
            f"to {pages.status_label(refused.requested).lower()}"
        ]
    except actions.CloseReasonRequired:
        form.close_reason.errors = ["Select why you are closing the report"]
    except actions.StatusChangedMeanwhile:
        code = 409
        form.new_status.errors = [
            "Someone else changed the status of this report while you had it open. "
            "Check its status now, then choose again"
        ]
    else:
        db.commit()
        flash(f"Status changed to {pages.status_label(form.new_status.data).lower()}.")
        return _back_to(report)
    db.rollback()
    return pages.render_report(
        report, status_form=form, errors=govuk.error_summary(form), status=code
    )


@bp.post("/<reference>/assign")
def assign(reference: str) -> Response:
    report = _find(reference)
    key = _require_key(report)
    if isinstance(key, Response):
        return key
    db = get_session()
    form = AssignForm()
    form.set_officers(pages.assignable_choices(report))
    if form.validate():
        try:
            changed = actions.assign(db, report, form.user_id, actor_id=_staff().user.id)
        except actions.NotAssignable:
            db.rollback()
            form.assign_to.errors = ["Select an officer from the list"]
        else:
            db.commit()
            name = dict(form.assign_to.choices).get(form.assign_to.data)  # type: ignore[arg-type]
            if not changed:
                flash("The assigned officer is unchanged.")
            elif form.user_id is None:
                flash("The report is now unassigned.")
            else:
                flash(f"Assigned to {name}.")
            return _back_to(report)
    return pages.render_report(report, assign_form=form, errors=govuk.error_summary(form))


@bp.post("/<reference>/notes")
def add_note(reference: str) -> Response:
    report = _find(reference)
    key = _require_key(report)
    if isinstance(key, Response):
        return key
    form = NoteForm()
    if not form.validate():
        return pages.render_report(report, note_form=form, errors=govuk.error_summary(form))
    db = get_session()
    try:
        actions.add_note(db, report, form.note.data, data_key=key, author_id=_staff().user.id)
    except actions.InvalidNote:
        db.rollback()
        form.note.errors = ["Enter the note"]
        return pages.render_report(report, note_form=form, errors=govuk.error_summary(form))
    db.commit()
    flash("Note added.")
    return _back_to(report, "#notes")


@bp.errorhandler(404)
def _not_found(_error: Exception) -> Response:
    return pages.render_not_found()
