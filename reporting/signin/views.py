"""Signing in (public), the page after signing out, and the staff area's front door."""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, make_response, redirect, render_template, request, session, url_for
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .. import access, govuk
from ..auth import signin
from ..auth.forms import SignInForm, entered
from ..db import get_session
from . import bp, front_bp

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


@front_bp.get("/", strict_slashes=False, endpoint="home")
def front_door() -> Response:
    """The staff area's front door: on to where your role starts (signed out: sign in first,
    which comes back here)."""
    staff = access.signed_in_staff()
    return redirect(url_for(access.home_endpoint(staff.user.role)))


def _refusal(
    failure: signin.SignInFailed, form: SignInForm
) -> tuple[dict[str, str], int, dict[str, str]]:
    """The error summary entry, status and headers for a refused sign-in."""
    if isinstance(failure, signin.CodeAlreadyUsed):
        form.code.errors = [CODE_USED_ERROR]
        return {"text": CODE_USED_ERROR, "href": f"#{form.code.id}"}, 400, {}
    if isinstance(failure, signin.TooManyAttempts):
        text = WAIT_ERROR.format(wait=_in_words(failure.seconds))
        return {"text": text, "href": "#email"}, 429, {"Retry-After": str(failure.seconds)}
    return {"text": SIGN_IN_ERROR, "href": f"#{form.email.id}"}, 400, {}


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
                email=entered(form.email),
                password=entered(form.password),
                code=entered(form.code),
                password_kdf=current_app.config["PASSWORD_KDF"],
                secret_key=current_app.config["SECRET_KEY"],
            )
        except signin.SignInFailed as failure:
            error, status, headers = _refusal(failure, form)
        else:
            cookie = signin.start_session(db, signed_in, replacing=access.staff_cookie())
            db.commit()
            # A new session id and a new CSRF secret: nothing from before sign-in carries over.
            session.clear()
            home = url_for(access.home_endpoint(signed_in.user.role))
            response = redirect(_safe_next(request.args.get("next"), home))
            access.set_staff_cookie(response, cookie)
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


@bp.get("/signed-out")
def signed_out() -> str:
    return render_template("auth/signed_out.html", title="You have signed out", show_exit=False)
