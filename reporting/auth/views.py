"""Sign-in (public) and the signed-in user's own account pages."""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .. import access, audit, cookies, govuk, password_change, roles
from ..db import get_session
from . import sessions, signin
from .forms import ChangePasswordForm, ConfirmForm, SignInForm
from .signin import CodeAlreadyUsed, SignInFailed, TooManyAttempts

bp = Blueprint("auth", __name__, url_prefix="/staff")
access.allow_public(bp)

# Just /staff: every role may enter, so a signed-out visitor is sent to sign in first.
front_bp = Blueprint("front", __name__, url_prefix="/staff")
access.require_roles(front_bp, *roles.ALL)

account_bp = Blueprint("account", __name__, url_prefix="/staff/account")
access.require_roles(account_bp, *roles.ALL)

SIGN_IN_ERROR = "The email address, password or code is not right, or the account is locked"
CODE_USED_ERROR = "That code has just been used. Wait for the next code from your authenticator app"


WAIT_ERROR = "Too many attempts to sign in to this account. Wait {wait}, then try again"


def posted_fields() -> MultiDict[str, Any]:
    """The fields a sign-in POST carries, whatever its body: form, multipart or a JSON object.

    The form reads exactly these, and the per-account limit keys on the email among them, so
    no body type gets past the limit. JSON values that are not strings are left out.
    """
    if request.files or request.form:
        return CombinedMultiDict((request.files, request.form))
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            return ImmutableMultiDict({k: v for k, v in body.items() if isinstance(v, str)})
    return ImmutableMultiDict()


def account_key() -> str:
    """Rate-limit key for sign-in attempts on one account, whoever makes them, however."""
    email = posted_fields().get("email") or request.args.get("email") or ""
    email = str(email).strip().lower()[:254]
    secret = current_app.extensions["reporting.network_key"]
    return "account:" + hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()[:32]


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _safe_next(target: str | None, fallback: str) -> str:
    """Only a path on this site that a GET route serves, else ``fallback``: never an open
    redirect.

    The raw string is not enough: urlsplit (inside redirect) drops tabs and newlines, so
    "/\t/evil.example" would become "//evil.example".
    """
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    try:
        current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return fallback
    return target


def _set_staff_cookie(response: Response, cookie: sessions.SessionCookie) -> None:
    cookies.set_private(response, access.staff_cookie_name(), cookie.value())


def _clear_staff_cookie(response: Response) -> None:
    cookies.clear_private(response, access.staff_cookie_name())


@front_bp.get("/", strict_slashes=False, endpoint="home")
def front_door() -> Response:
    """The staff area's front door: on to where your role starts (signed out: sign in first,
    which comes back here)."""
    staff = access.current_staff()
    assert staff is not None  # the blueprint's role check let only signed-in users through
    return redirect(url_for(access.home_endpoint(staff.user.role)))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response:
    form = SignInForm(formdata=posted_fields() if request.method == "POST" else None)
    error: dict[str, str] | None = None
    status = 400 if request.method == "POST" else 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        db = get_session()
        try:
            signed_in = signin.sign_in(
                db,
                email=form.email.data,
                password=form.password.data,
                code=form.code.data,
                password_kdf=current_app.config["PASSWORD_KDF"],
                secret_key=current_app.config["SECRET_KEY"],
            )
        except CodeAlreadyUsed:
            error = {"text": CODE_USED_ERROR, "href": f"#{form.code.id}"}
            form.code.errors = [CODE_USED_ERROR]
        except TooManyAttempts as wait:
            error = {"text": WAIT_ERROR.format(wait=_in_words(wait.seconds)), "href": "#email"}
            status, headers = 429, {"Retry-After": str(wait.seconds)}
        except SignInFailed:
            error = {"text": SIGN_IN_ERROR, "href": f"#{form.email.id}"}
        else:
            # The session this browser had (anyone's) ends: the new cookie replaces it.
            earlier = sessions.SessionCookie.parse(request.cookies.get(access.staff_cookie_name()))
            if earlier is not None:
                sessions.end_session(db, earlier.session_id)
            cookie = sessions.create_session(db, signed_in.user, signed_in.team_keys)
            db.commit()
            # A new session id and a new CSRF secret: nothing from before sign-in carries over.
            session.clear()
            home = url_for(access.home_endpoint(signed_in.user.role))
            response = redirect(_safe_next(request.args.get("next"), home))
            _set_staff_cookie(response, cookie)
            return response
    if error:
        form.password.data = ""
        form.code.data = ""
    errors = [error] if error else govuk.error_summary(form)
    return make_response(
        render_template(
            "auth/sign_in.html", form=form, errors=errors, title="Sign in", show_exit=False
        ),
        status,
        headers,
    )


@account_bp.get("/")
def home() -> str:
    staff = access.current_staff()
    db = get_session()
    return render_template(
        "auth/account.html",
        staff=staff,
        form=ConfirmForm(),
        session_count=sessions.active_session_count(db, staff.user.id),
        title="Your account",
        show_exit=False,
    )


@account_bp.post("/sign-out")
def sign_out() -> Response:
    form = ConfirmForm()
    staff = access.current_staff()
    if form.validate_on_submit():
        db = get_session()
        sessions.end_session(db, staff.session_id)
        audit.record(db, "signed-out", actor_id=staff.user.id, subject=f"user:{staff.user.id}")
        db.commit()
    session.clear()
    response = redirect(url_for("auth.signed_out"))
    _clear_staff_cookie(response)
    return response


@account_bp.post("/sign-out-everywhere")
def sign_out_everywhere() -> Response:
    form = ConfirmForm()
    staff = access.current_staff()
    if form.validate_on_submit():
        db = get_session()
        sessions.end_all_sessions(db, staff.user.id)
        audit.record(
            db, "signed-out-everywhere", actor_id=staff.user.id, subject=f"user:{staff.user.id}"
        )
        db.commit()
    session.clear()
    response = redirect(url_for("auth.signed_out"))
    _clear_staff_cookie(response)
    return response


@bp.get("/signed-out")
def signed_out() -> str:
    return render_template("auth/signed_out.html", title="You have signed out", show_exit=False)


@account_bp.route("/password", methods=["GET", "POST"])
def password() -> Response:
    staff = access.current_staff()
    form = ChangePasswordForm()
    errors = []
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            password_change.change_password(
                db,
                staff.user,
                current=form.current.data,
                new=form.password.data,
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
            # Other sessions were opened with the old password: end them; keep this one.
            sessions.end_all_sessions(db, staff.user.id)
            new_cookie = sessions.create_session(db, staff.user, staff.team_keys)
            db.commit()
            flash("Your password has been changed. Other sessions have been signed out.")
            response = redirect(url_for("account.home"))
            _set_staff_cookie(response, new_cookie)
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
