"""One person's account page in the admin area, and the buttons on it.

Each button is a POST with the app-wide CSRF token that runs one domain function from
``accounts``, ``invitations`` or ``keys``; those check the rules (no acting on your own
account, always an active admin, analysts never hold a key) and write the audit entry.
Registered on the admin blueprint by ``views``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from .. import access, accounts, govuk, invitations, keys, roles
from ..auth.forms import ConfirmForm
from ..auth.sessions import CurrentStaff
from ..clock import utcnow
from ..db import get_session
from ..models import Grant, TeamKey, User
from .forms import ROLE_CHOICES, RoleForm

ROLE_NAMES = dict(ROLE_CHOICES)

# The rules an action can break; each gets a sentence from _refusal, never a 500.
RULES = (
    accounts.OwnAccount,
    accounts.LastAdmin,
    accounts.LastKeyHolder,
    keys.NoTeamKeyHeld,
    keys.CannotHoldTeamKey,
    invitations.InvitationNotValid,
)


def current_admin() -> CurrentStaff:
    staff = access.current_staff()
    if staff is None:  # access control has already sent anyone signed out to sign in
        abort(403)
    return staff


MAX_ID = 2**31 - 1  # PostgreSQL's integer; a larger id would be a database error, not a 404


def user_or_404(db: Session, user_id: int) -> User:
    user = db.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        abort(404)
    return user


def active_team_keys(db: Session) -> list[TeamKey]:
    try:
        return keys.active_team_keys(db)
    except keys.NoTeamKey:
        return []


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


def render_account(
    db: Session,
    user: User,
    *,
    errors: list[dict[str, str]] | None = None,
    role_form: RoleForm | None = None,
    status: int = 200,
) -> Response:
    staff = current_admin()
    (summary,) = accounts.account_summaries(db, utcnow(), user_id=user.id)
    grants = db.execute(
        select(TeamKey.key_id, TeamKey.active, Grant.created_on)
        .join(Grant, Grant.team_key_id == TeamKey.id)
        .where(Grant.user_id == user.id)
        .order_by(TeamKey.id)
    ).all()
    active_key_ids = {k.key_id for k in active_team_keys(db)}
    return make_response(
        render_template(
            "admin/account.html",
            summary=summary,
            user=user,
            grants=grants,
            role_form=role_form or RoleForm(formdata=None, data={"role": user.role}),
            form=ConfirmForm(),
            is_self=user.id == staff.user.id,
            grantable=user.role in roles.GRANTABLE,
            admin_holds_key=bool(active_key_ids & set(staff.team_keys)),
            reinvite_needs_key=user.public_key is not None
            and (user.role == "admin" or summary.can_open_reports),
            errors=errors or [],
            title=user.name,
            show_exit=False,
        ),
        status,
    )


def account(user_id: int) -> Response:
    db = get_session()
    return render_account(db, user_or_404(db, user_id))


def _refusal(error: Exception, user: User) -> str:
    """What to tell the admin when a rule stops an action."""
    if isinstance(error, accounts.OwnAccount):
        return (
            "You cannot do this to your own account: another administrator has to. To sign "
            "yourself out everywhere, use Your account"
        )
    if isinstance(error, accounts.LastAdmin):
        return (
            f"{user.name} is the only active administrator. Make someone else an administrator "
            "first, so that nobody is locked out of the admin area"
        )
    if isinstance(error, accounts.LastKeyHolder):
        return (
            f"{user.name} is the only active person who holds the team key. Grant it to someone "
            "else first: otherwise only the recovery code could open reports"
        )
    if isinstance(error, keys.NoTeamKeyHeld):
        return (
            "You do not hold every current team key, so you cannot grant it. An administrator "
            "who can open reports has to do this; during a key rotation, sign out and in "
            "again first"
        )
    if isinstance(error, invitations.InvitationNotValid):
        return f"{user.name}'s account is disabled. Enable it before inviting them again"
    if user.role not in roles.GRANTABLE:
        return "Analysts and reporting centres can never be given access to reports"
    if user.disabled:
        return f"{user.name}'s account is disabled. Enable it first"
    return (
        f"{user.name} has not set up their account yet, so there is no key to seal the team "
        "key to. Grant access after they have used their invitation"
    )


def _reinvite_refusal(error: Exception, user: User) -> str | None:
    """What to tell an admin whose new invitation link for ``user`` a rule refused."""
    if isinstance(error, accounts.LastKeyHolder):
        return (
            f"{user.name} is the only active person who holds the team key, and a new "
            "invitation would delete their copy of it. Grant the team key to someone else "
            "first; if nobody who holds it can, use the recovery code"
        )
    if isinstance(error, keys.NoTeamKeyHeld):
        return (
            f"You do not hold the team key, so you cannot invite {user.name} again: using the "
            "link would remove their access to reports or hand over an administrator's "
            "account. An administrator who can open reports has to do this"
        )
    return None


def _act(user_id: int, action: Callable[..., Any], done: str) -> Response:
    """Run ``action(db, user, actor=admin)``; flash ``done``, or show which rule refused it."""
    db = get_session()
    user = user_or_404(db, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(db, user, actor=current_admin().user)
    except RULES as error:
        db.rollback()
        return render_account(db, user, errors=[{"text": _refusal(error, user)}], status=409)
    db.commit()
    flash(done.format(name=user.name, role=_a(ROLE_NAMES[user.role])))
    return redirect(url_for("admin.account", user_id=user.id))


def _a(noun: str) -> str:
    return ("an " if noun[0].lower() in "aeiou" else "a ") + noun.lower()


def change_role(user_id: int) -> Response:
    form = RoleForm()
    if not form.validate_on_submit():
        db = get_session()
        user = user_or_404(db, user_id)
        return render_account(
            db, user, errors=govuk.error_summary(form), role_form=form, status=400
        )
    return _act(user_id, partial(accounts.change_role, role=form.role.data), "{name} is {role}.")


def disable(user_id: int) -> Response:
    return _act(
        user_id, accounts.disable, "{name}'s account is disabled and their sessions have ended."
    )


def enable(user_id: int) -> Response:
    return _act(user_id, accounts.enable, "{name}'s account is enabled again.")


def unlock(user_id: int) -> Response:
    return _act(user_id, accounts.unlock, "{name}'s account is unlocked.")


def end_sessions(user_id: int) -> Response:
    return _act(user_id, accounts.end_sessions, "All of {name}'s sessions have ended.")


def grant(user_id: int) -> Response:
    # Sealed with the team keys this admin's own session opened: nobody else's.
    held = current_admin().team_keys
    today = utcnow().date()
    return _act(
        user_id,
        partial(accounts.grant_access, held=held, today=today),
        "{name} can open reports from their next sign-in.",
    )


def revoke(user_id: int) -> Response:
    return _act(
        user_id,
        accounts.revoke_access,
        "{name} can no longer open reports, and their sessions have ended.",
    )


def reinvite(user_id: int) -> Response:
    db = get_session()
    user = user_or_404(db, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    staff = current_admin()
    try:
        issued = invitations.reinvite(
            db, user, invited_by=staff.user, held=staff.team_keys, now=utcnow()
        )
    except RULES as error:
        db.rollback()
        text = _reinvite_refusal(error, user) or _refusal(error, user)
        return render_account(db, user, errors=[{"text": text}], status=409)
    db.commit()
    return invitation_page(issued, again=True)


# (path under /accounts/<id>, endpoint, view, method)
ROUTES: list[tuple[str, str, Callable[[int], Response], str]] = [
    ("", "account", account, "GET"),
    ("/role", "change_role", change_role, "POST"),
    ("/disable", "disable", disable, "POST"),
    ("/enable", "enable", enable, "POST"),
    ("/unlock", "unlock", unlock, "POST"),
    ("/end-sessions", "end_sessions", end_sessions, "POST"),
    ("/grant", "grant", grant, "POST"),
    ("/revoke", "revoke", revoke, "POST"),
    ("/invite-again", "reinvite", reinvite, "POST"),
]
