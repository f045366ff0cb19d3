"""The admin area: accounts, invitations, access to reports, the audit log.

Admins only, declared once below. One person's account page and its buttons are in
``account``, the audit log in ``audit_log``; both are registered on this blueprint here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, render_template
from werkzeug.wrappers import Response

from .. import access, accounts, credentials, govuk, invitations, keys
from ..clock import utcnow
from ..db import get_session
from . import account, audit_log
from .forms import ROLE_HINTS, InviteForm

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")
access.require_roles(bp, "admin")

for _path, _endpoint, _view, _method in account.ROUTES:
    bp.add_url_rule(f"/accounts/<int:user_id>{_path}", _endpoint, _view, methods=[_method])
bp.add_url_rule("/audit", "audit", audit_log.audit_log, methods=["GET"])

STATUS_TAGS = {
    "active": ("Active", "govuk-tag--green"),
    "invited": ("Invited", "govuk-tag--blue"),
    "locked": ("Locked", "govuk-tag--orange"),
    "disabled": ("Disabled", "govuk-tag--grey"),
}


@bp.context_processor
def _names() -> dict[str, Any]:
    return {
        "role_names": account.ROLE_NAMES,
        "status_tags": STATUS_TAGS,
        "account_status": accounts.account_status,
    }


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
    form = InviteForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            issued = invitations.invite(
                db,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                invited_by=account.current_admin().user,
                now=utcnow(),
            )
        except credentials.AccountExists:
            form.email.errors = [
                "There is already an account with this email address. To let its owner set a "
                "new password, open their account and invite them again"
            ]
        else:
            db.commit()
            return account.invitation_page(issued, again=False)
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
    active = account.active_team_keys(db)
    return render_template(
        "admin/access.html",
        holders=keys.key_holders(db),
        admin_holds_key=bool({k.key_id for k in active} & set(account.current_admin().team_keys)),
        has_team_key=bool(active),
        title="Access to reports",
        show_exit=False,
    )
