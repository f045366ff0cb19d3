"""The admin area's lists: every account, inviting someone, who can open reports.

One person's account page and its buttons are in ``account``, the audit log in
``audit_log``.
"""

from __future__ import annotations

from flask import make_response, render_template
from werkzeug.wrappers import Response

from .. import access, accounts, centres, credentials, govuk, grants, invitations, keys
from ..auth.forms import entered
from ..clock import utcnow
from ..db import get_session
from . import bp
from .forms import ROLE_HINTS, InviteForm
from .pages import invitation_page


# The endpoint is "admin.accounts" (staff_base.html links to it); the function has another
# name so as not to hide the ``accounts`` module.
@bp.get("/", endpoint="accounts")
def accounts_list() -> str:
    db = get_session()
    return render_template(
        "admin/accounts.html",
        summaries=accounts.account_summaries(db, utcnow()),
        title="Accounts",
        show_exit=False,
    )


@bp.route("/invite", methods=["GET", "POST"])
def invite() -> Response:
    db = get_session()
    form = InviteForm()
    form.centre.choices = [("", "Not a reporting centre")] + [
        (str(centre.id), centre.name) for centre in centres.all_centres(db)
    ]
    if form.validate_on_submit():
        try:
            issued = invitations.invite(
                db,
                email=entered(form.email),
                name=entered(form.name),
                role=entered(form.role),
                invited_by=access.signed_in_staff().user,
                now=utcnow(),
                centre_id=form.centre_id(),
                centre_lead=form.role.data == "centre" and form.centre_lead.data == "yes",
            )
        except centres.CentreNotFound:
            form.centre.errors = ["Select the reporting centre they work for"]
        except credentials.AccountExists:
            form.email.errors = [
                "There is already an account with this email address. To let its owner set a "
                "new password, open their account and invite them again"
            ]
        else:
            db.commit()
            return invitation_page(issued, again=False)
    errors = govuk.error_summary(form)
    return make_response(
        render_template(
            "admin/invite.html",
            form=form,
            errors=errors,
            role_hints=ROLE_HINTS,
            title="Invite someone",
            show_exit=False,
        ),
        400 if errors else 200,
    )


@bp.get("/access")
def access_to_reports() -> str:
    db = get_session()
    active = grants.active_key_ids(db)
    return render_template(
        "admin/access.html",
        holders=keys.key_holders(db),
        admin_holds_key=bool(active & set(access.signed_in_staff().team_keys)),
        has_team_key=bool(active),
        title="Access to reports",
        show_exit=False,
    )
