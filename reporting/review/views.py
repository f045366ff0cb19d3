"""The officers' workspace: the review list, one report, its triage, its notes and its
messages with the reporter.

Views are thin: validate a form, call ``reporting.casework``, commit, then render (``pages``)
or redirect. A report the officer cannot open, or that does not exist, raises a named error
that this blueprint's handlers answer.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from .. import access, alerts, govuk, messages, officer_updates
from ..auth.sessions import CurrentStaff
from ..casework import actions, duplicates, history, listing, opening, seen
from ..clock import utcnow
from ..db import get_session
from ..models import Report
from . import bp, list_page, pages
from .action_forms import AssignForm, MessageForm, NoteForm, StatusForm
from .forms import ListFilterForm


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
    if form.validate():
        try:
            result = listing.list_reports(
                db, form.filters(staff.user.id), page=form.page_number, officer_id=staff.user.id
            )
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
    if result and result.marks and result.marks.seen_to is None:
        # The officer's first look at the list: what is there now is not new to them.
        seen.start(db, staff.user.id, result.marks.latest)
        db.commit()
    errors = govuk.error_summary(form[name] for name in ListFilterForm.SHOWN)
    if form.page.errors:
        errors.append({"text": str(form.page.errors[0]), "href": "#results"})
    return list_page.render_list(form, result, errors, status=400 if errors else 200)


def _opened(report: Report) -> opening.OpenedReport:
    """Open the report for the signed-in officer and record the read (not yet committed)."""
    db = get_session()
    staff = _staff()
    opened = opening.open_report(db, report, staff.team_keys)
    opening.record_read(db, report, actor_id=staff.user.id)
    return opened


def _show(
    report: Report,
    *,
    status_form: StatusForm | None = None,
    assign_form: AssignForm | None = None,
    note_form: NoteForm | None = None,
    message_form: MessageForm | None = None,
    errors: list[dict[str, str]] | None = None,
    status: int | None = None,
) -> Response:
    """The report page (with a form's errors, if any): open, record the read, mark the
    reporter's messages read, commit, render."""
    db = get_session()
    opened = _opened(report)
    officers = actions.assignable_choices(db, report)
    # A report sent before messages gets the reporter's copy of its key the first time it is
    # opened: from then on its receipt opens the messages sent to it.
    messages.ensure_reporter_data_key(db, report, opened.data_key)
    thread = messages.thread(db, report, opened.data_key)
    messages.mark_read_by_team(db, report)
    updates = officer_updates.for_officer(db, report, opened.data_key, actor_id=_staff().user.id)
    # After the consent-change-seen entries above: the history shows them.
    events = history.history(db, report)
    links = duplicates.links(db, report)
    db.commit()
    # After the commit: no lock is held while the mail server is asked to take a pending alert.
    g.alert_state = alerts.on_open(db, report, opened.data_key, alerts.settings(current_app.config))
    db.commit()
    return pages.render_report(
        opened,
        officers,
        thread,
        history=events,
        links=links,
        status_form=status_form,
        assign_form=assign_form,
        note_form=note_form,
        message_form=message_form,
        errors=errors,
        status=status,
        updates=updates,
    )


@bp.get("/<reference>")
def report(reference: str) -> Response:
    return _show(opening.find_report(get_session(), reference))


@bp.get("/<reference>/print")
def print_report(reference: str) -> Response:
    db = get_session()
    opened = _opened(opening.find_report(db, reference))
    updates = officer_updates.for_officer(
        db, opened.report, opened.data_key, actor_id=_staff().user.id
    )
    links = duplicates.links(db, opened.report)
    db.commit()
    return pages.render_print(opened, links, updates)


def _back_to(report: Report, anchor: str = "") -> Response:
    return redirect(url_for("review.report", reference=report.reference) + anchor)


@bp.post("/<reference>/status")
def change_status(reference: str) -> Response:
    db = get_session()
    report = opening.find_report(db, reference)
    opening.open_data_key(db, report, _staff().team_keys)  # nobody acts on what they cannot read
    form = StatusForm()
    if not form.validate():
        return _show(report, status_form=form, errors=govuk.error_summary(form))
    code = 400
    try:
        actions.change_status(
            db,
            report,
            form.new_status.data,
            reason=form.close_reason.data or None,
            expected=form.expected.data or None,
            duplicate_of=form.other_reference,
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
    except duplicates.DuplicateOfRequired:
        form.duplicate_of.errors = ["Enter the reference of the report this one duplicates"]
    except duplicates.DuplicateOfNotFound as unknown:
        form.duplicate_of.errors = [f"There is no report with the reference {unknown.reference}"]
    except duplicates.DuplicateOfItself:
        form.duplicate_of.errors = ["Enter the reference of another report: not this one"]
    except duplicates.DuplicateLoop as loop:
        form.duplicate_of.errors = [
            f"{loop.reference} is itself closed as a duplicate of this report, so this report "
            "cannot be a duplicate of it. Enter the reference of another report"
        ]
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
    return _show(report, status_form=form, errors=govuk.error_summary(form), status=code)


@bp.post("/<reference>/assign")
def assign(reference: str) -> Response:
    db = get_session()
    report = opening.find_report(db, reference)
    opening.open_data_key(db, report, _staff().team_keys)
    officers = actions.assignable_choices(db, report)
    form = AssignForm()
    form.set_officers(officers)
    if form.validate():
        try:
            changed = actions.assign(db, report, form.user_id, actor_id=_staff().user.id)
        except actions.NotAssignable:
            db.rollback()
            form.assign_to.errors = ["Select an officer from the list"]
        else:
            db.commit()
            if not changed:
                flash("The assigned officer is unchanged.")
            elif form.user_id is None:
                flash("The report is now unassigned.")
            else:
                flash(f"Assigned to {dict(officers).get(form.user_id)}.")
            return _back_to(report)
    return _show(report, assign_form=form, errors=govuk.error_summary(form))


@bp.post("/<reference>/notes")
def add_note(reference: str) -> Response:
    db = get_session()
    report = opening.find_report(db, reference)
    key = opening.open_data_key(db, report, _staff().team_keys)
    form = NoteForm()
    if not form.validate():
        return _show(report, note_form=form, errors=govuk.error_summary(form))
    try:
        actions.add_note(db, report, form.note.data, data_key=key, author_id=_staff().user.id)
    except actions.InvalidNote:
        db.rollback()
        form.note.errors = ["Enter the note"]
        return _show(report, note_form=form, errors=govuk.error_summary(form))
    db.commit()
    flash("Note added.")
    return _back_to(report, "#notes")


@bp.post("/<reference>/messages")
def message(reference: str) -> Response:
    db = get_session()
    report = opening.find_report(db, reference)
    key = opening.open_data_key(db, report, _staff().team_keys)
    form = MessageForm()
    if form.validate():
        try:
            messages.post(
                db,
                report,
                key,
                form.message.data,
                author="team",
                today=utcnow().date(),
                actor_id=_staff().user.id,
            )
        except messages.EmptyMessage:
            form.message.errors = ["Enter a message to the reporter"]
        except messages.MessageTooLong:
            form.message.errors = [
                f"The message must be {messages.MESSAGE_MAX:,} characters or fewer"
            ]
        else:
            db.commit()  # the message is kept whatever the mail server does next
            alerts.notify(db, report, key, alerts.settings(current_app.config))
            db.commit()
            flash("Message sent. The reporter will see it when they check for replies.")
            return _back_to(report, "#messages")
        db.rollback()
    return _show(report, message_form=form, errors=govuk.error_summary(form))


@bp.errorhandler(opening.CannotOpenReport)
def _cannot_open(error: opening.CannotOpenReport) -> Response:
    """Nobody reads or acts on a report they cannot open: the "cannot open" page (403)."""
    facts = opening.clear_facts(get_session(), error.report)
    return pages.render_sealed(facts, has_keys=bool(_staff().team_keys))


@bp.errorhandler(opening.ReportNotFound)
@bp.errorhandler(404)
def _not_found(_error: Exception) -> Response:
    return pages.render_not_found()
