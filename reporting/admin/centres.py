"""The admin's reporting centres: the list (stale listings flagged), adding one, editing one.

Each POST validates the whole form, calls one domain function of ``reporting.centres`` (which
writes the audit entry), commits and redirects to the list; a form with errors comes back with
everything typed still in it.
"""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from .. import access, centres, govuk
from ..clock import utcnow
from ..db import get_session
from . import bp
from .centre_forms import CentreForm

MAX_ID = 2**31 - 1  # PostgreSQL's integer; a larger id would be a database error, not a 404
_NAME_TAKEN = "There is already a centre with this name. Open it from the list to change it"


@bp.get("/centres")
def centres_list() -> str:
    db = get_session()
    today = utcnow().date()
    max_age = current_app.config["CENTRE_LISTING_MAX_AGE_DAYS"]
    every = centres.all_centres(db)
    return render_template(
        "admin/centres.html",
        centres=every,
        stale={
            centre.id for centre in every if centres.hidden_because_stale(centre, today, max_age)
        },
        kind_names=centres.KIND_NAMES,
        district_names=dict(current_app.config["DISTRICTS"]),
        title="Reporting centres",
        show_exit=False,
    )


def _form_page(form: CentreForm, *, heading: str, action: str) -> Response:
    errors = govuk.error_summary(form)
    return make_response(
        render_template(
            "admin/centre_form.html",
            form=form,
            errors=errors,
            heading=heading,
            action=action,
            title=heading,
            show_exit=False,
        ),
        400 if errors else 200,
    )


@bp.route("/centres/new", methods=["GET", "POST"])
def new_centre() -> Response:
    form = CentreForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            centre = centres.create_centre(
                db, form.details(), actor=access.signed_in_staff().user, today=utcnow().date()
            )
        except centres.CentreNameTaken:
            form.name.errors = [_NAME_TAKEN]
        else:
            db.commit()
            flash(f"{centre.name} added")
            return redirect(url_for("admin.centres_list"), 303)
    return _form_page(form, heading="Add a reporting centre", action=url_for("admin.new_centre"))


@bp.route("/centres/<int:centre_id>", methods=["GET", "POST"])
def centre(centre_id: int) -> Response:
    db = get_session()
    try:
        found = centres.get_centre(db, centre_id) if 0 < centre_id <= MAX_ID else None
    except centres.CentreNotFound:
        found = None
    if found is None:
        abort(404)
    form = CentreForm()
    if not form.is_submitted():
        form.fill(centres.details_of(found))
    elif form.validate():
        try:
            changed = centres.update_centre(
                db, found.id, form.details(), actor=access.signed_in_staff().user
            )
        except centres.CentreNameTaken:
            form.name.errors = [_NAME_TAKEN]
        else:
            db.commit()
            flash(f"{found.name} saved" if changed else f"Nothing changed for {found.name}")
            return redirect(url_for("admin.centres_list"), 303)
    return _form_page(
        form,
        heading=f"Edit {found.name}",
        action=url_for("admin.centre", centre_id=found.id),
    )
