"""What every admin page shares: the names its templates use, and the invitation page."""

from __future__ import annotations

from typing import Any

from flask import make_response, render_template, url_for
from werkzeug.wrappers import Response

from .. import accounts, invitations
from ..db import get_session
from ..models import Centre, User
from . import bp
from .forms import ROLE_NAMES

STATUS_TAGS = {
    "active": ("Active", "govuk-tag--green"),
    "invited": ("Invited", "govuk-tag--blue"),
    "locked": ("Locked", "govuk-tag--orange"),
    "disabled": ("Disabled", "govuk-tag--grey"),
}


@bp.context_processor
def _names() -> dict[str, Any]:
    return {
        "role_names": ROLE_NAMES,
        "status_tags": STATUS_TAGS,
        "account_status": accounts.account_status,
        "centre_label": centre_label,
    }


def centre_label(user: User) -> str:
    """A centre account's centre, and "lead" if it leads it; empty for anyone else."""
    if user.centre_id is None:
        return ""
    centre = get_session().get(Centre, user.centre_id)  # the session's identity map caches it
    if centre is None:
        return ""
    return f"{centre.name}, lead" if user.centre_lead else centre.name


def invitation_page(issued: invitations.IssuedInvitation, *, again: bool) -> Response:
    # The answer to the POST, never stored: reloading or going back cannot show the link again.
    link = url_for("invitation.accept", token=issued.token, _external=True)
    return make_response(
        render_template(
            "admin/invited.html",
            user=issued.user,
            link=link,
            expires_at=issued.expires_at,
            again=again,
            title="Invitation created",
            show_exit=False,
        )
    )
