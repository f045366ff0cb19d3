"""Your own account: its page, signing out (here or everywhere), changing your password."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, make_response, redirect, render_template, session, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from .. import access, govuk, password_change
from ..auth import own_account, sessions
from ..auth.forms import ChangePasswordForm, ConfirmForm, entered
from ..db import get_session
from . import account_bp


@account_bp.get("/")
def home() -> str:
    staff = access.signed_in_staff()
    db = get_session()
    return render_template(
        "auth/account.html",
        staff=staff,
        form=ConfirmForm(),
        session_count=sessions.active_session_count(db, staff.user.id),
        title="Your account",
        show_exit=False,
    )


def _sign_out(end: Callable[[Session, sessions.CurrentStaff], None]) -> Response:
    """End the session(s) ``end`` ends if the button's token is good; either way, this
    browser is signed out."""
    staff = access.signed_in_staff()
    if ConfirmForm().validate_on_submit():
        db = get_session()
        end(db, staff)
        db.commit()
    session.clear()
    response = redirect(url_for("auth.signed_out"))
    access.clear_staff_cookie(response)
    return response


@account_bp.post("/sign-out")
def sign_out() -> Response:
    return _sign_out(own_account.sign_out)


@account_bp.post("/sign-out-everywhere")
def sign_out_everywhere() -> Response:
    return _sign_out(own_account.sign_out_everywhere)


@account_bp.route("/password", methods=["GET", "POST"])
def password() -> Response:
    staff = access.signed_in_staff()
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            cookie = own_account.change_password(
                db,
                staff,
                current=entered(form.current),
                new=entered(form.password),
                password_kdf=current_app.config["PASSWORD_KDF"],
            )
        except password_change.WrongPassword:
            db.commit()  # the audit entry, which also counts towards the limit
            form.current.errors = ["Your current password is not right"]
        except password_change.TooManyAttempts:
            db.commit()
            status = 429
            form.current.errors = [password_change.TOO_MANY]
        else:
            db.commit()
            flash("Your password has been changed. Other sessions have been signed out.")
            response = redirect(url_for("account.home"))
            access.set_staff_cookie(response, cookie)
            return response
    errors = govuk.error_summary(form)
    status = 400 if errors and status == 200 else status
    return make_response(
        render_template(
            "auth/password.html",
            form=form,
            errors=errors,
            title="Change your password",
            show_exit=False,
        ),
        status,
    )
