"""One person's account page in the admin area, and the buttons on it.

Each button is a POST with the app-wide CSRF token that runs one domain function from
``accounts``, ``invitations`` or ``keys``; those check the rules (no acting on your own
account, always an active admin, analysts never hold a key) and write the audit entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from flask import abort, flash, make_response, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from .. import access, accounts, govuk, grants, invitations, roles
from ..auth.forms import ConfirmForm, entered
from ..auth.sessions import CurrentStaff
from ..clock import utcnow
from ..db import get_session
from ..models import User
from . import bp
from .forms import ROLE_NAMES, RoleForm
from .pages import invitation_page
from .refusals import RULES, refusal, reinvite_refusal

MAX_ID = 2**31 - 1  # PostgreSQL's integer; a larger id would be a database error, not a 404


class Action(Protocol):
    """A domain function that acts on ``user`` for the admin ``actor``."""

    def __call__(self, db: Session, user: User, *, actor: User) -> object: ...


@dataclass(frozen=True)
class AccountFacts:
    """What the account page shows beyond the user row."""

    summary: accounts.AccountSummary
    held: list[grants.HeldKey]
    active_key_ids: set[str]


def user_or_404(db: Session, user_id: int) -> User:
    user = db.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        abort(404)
    return user


def account_facts(db: Session, user: User) -> AccountFacts:
    (summary,) = accounts.account_summaries(db, utcnow(), user_id=user.id)
    return AccountFacts(summary, grants.held_keys(db, user.id), grants.active_key_ids(db))


def render_account(
    facts: AccountFacts,
    user: User,
    staff: CurrentStaff,
    *,
    errors: list[dict[str, str]] | None = None,
    role_form: RoleForm | None = None,
    status: int = 200,
) -> Response:
    return make_response(
        render_template(
            "admin/account.html",
            summary=facts.summary,
            user=user,
            grants=facts.held,
            role_form=role_form or RoleForm(formdata=None, data={"role": user.role}),
            form=ConfirmForm(),
            is_self=user.id == staff.user.id,
            grantable=user.role in roles.GRANTABLE,
            admin_holds_key=bool(facts.active_key_ids & set(staff.team_keys)),
            reinvite_needs_key=user.public_key is not None
            and (user.role == "admin" or facts.summary.can_open_reports),
            errors=errors or [],
            title=user.name,
            show_exit=False,
        ),
        status,
    )


def _refused(db: Session, user: User, text: str) -> Response:
    """The account page again, saying which rule stopped the action (nothing was done)."""
    db.rollback()
    facts = account_facts(db, user)
    return render_account(
        facts, user, access.signed_in_staff(), errors=[{"text": text}], status=409
    )


@bp.get("/accounts/<int:user_id>")
def account(user_id: int) -> Response:
    db = get_session()
    user = user_or_404(db, user_id)
    return render_account(account_facts(db, user), user, access.signed_in_staff())


def _act(user_id: int, action: Action, done: str) -> Response:
    """Run ``action(db, user, actor=admin)``; flash ``done``, or show which rule refused it."""
    db = get_session()
    user = user_or_404(db, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(db, user, actor=access.signed_in_staff().user)
    except RULES as error:
        return _refused(db, user, refusal(error, user))
    db.commit()
    flash(done.format(name=user.name, role=_a(ROLE_NAMES[user.role])))
    return redirect(url_for("admin.account", user_id=user.id))


def _a(noun: str) -> str:
    return ("an " if noun[0].lower() in "aeiou" else "a ") + noun.lower()


@bp.post("/accounts/<int:user_id>/role")
def change_role(user_id: int) -> Response:
    form = RoleForm()
    if not form.validate_on_submit():
        db = get_session()
        user = user_or_404(db, user_id)
        facts = account_facts(db, user)
        errors = govuk.error_summary(form)
        staff = access.signed_in_staff()
        return render_account(facts, user, staff, errors=errors, role_form=form, status=400)
    change = partial(accounts.change_role, role=entered(form.role))
    return _act(user_id, change, "{name} is {role}.")


@bp.post("/accounts/<int:user_id>/disable")
def disable(user_id: int) -> Response:
    return _act(
        user_id, accounts.disable, "{name}'s account is disabled and their sessions have ended."
    )


@bp.post("/accounts/<int:user_id>/enable")
def enable(user_id: int) -> Response:
    return _act(user_id, accounts.enable, "{name}'s account is enabled again.")


@bp.post("/accounts/<int:user_id>/unlock")
def unlock(user_id: int) -> Response:
    return _act(user_id, accounts.unlock, "{name}'s account is unlocked.")


@bp.post("/accounts/<int:user_id>/end-sessions")
def end_sessions(user_id: int) -> Response:
    return _act(user_id, accounts.end_sessions, "All of {name}'s sessions have ended.")


@bp.post("/accounts/<int:user_id>/grant")
def grant(user_id: int) -> Response:
    # Sealed with the team keys this admin's own session opened: nobody else's.
    held = access.signed_in_staff().team_keys
    today: dt.date = utcnow().date()
    return _act(
        user_id,
        partial(accounts.grant_access, held=held, today=today),
        "{name} can open reports from their next sign-in.",
    )


@bp.post("/accounts/<int:user_id>/revoke")
def revoke(user_id: int) -> Response:
    return _act(
        user_id,
        accounts.revoke_access,
        "{name} can no longer open reports, and their sessions have ended.",
    )


@bp.post("/accounts/<int:user_id>/invite-again", endpoint="reinvite")
def reinvite(user_id: int) -> Response:
    db = get_session()
    user = user_or_404(db, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    staff = access.signed_in_staff()
    try:
        issued = invitations.reinvite(
            db, user, invited_by=staff.user, held=staff.team_keys, now=utcnow()
        )
    except RULES as error:
        return _refused(db, user, reinvite_refusal(error, user))
    db.commit()
    return invitation_page(issued, again=True)
