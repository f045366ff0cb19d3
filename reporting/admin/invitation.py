"""The invitation link (public): set a password and an authenticator on one page.

One page holds the password, its confirmation and a code from the authenticator the page
shows, so the password is never kept anywhere between steps: it arrives once, in the POST that
also proves the authenticator works, and only its hash and the key derived from it are stored.
"""

from __future__ import annotations

import segno
from flask import current_app, flash, make_response, redirect, render_template, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from .. import govuk, invitations
from ..auth.forms import entered
from ..clock import utcnow
from ..db import get_session
from ..models import User
from . import invitation_bp
from .forms import AcceptInvitationForm


def qr_code_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code: presentation attributes only, no ``style`` (CSP)."""
    svg = segno.make(uri, error="m", micro=False).svg_inline(
        scale=5,
        dark="#0b0c0c",
        light="#ffffff",
        title="QR code for your authenticator app",
        svgclass="app-qr-code",
        lineclass=None,
    )
    if "style" in svg:  # a segno upgrade that started writing styles would break the CSP
        raise RuntimeError("segno wrote a style into the QR code")
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S704


def _not_valid() -> Response:
    # Unknown, used, replaced, expired or disabled all look the same: the page must not help
    # anyone holding an old link find out which.
    return make_response(
        render_template("invitation/not_valid.html", title="This link is not valid"), 404
    )


@invitation_bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str) -> Response:
    db = get_session()
    config = current_app.config
    now = utcnow()
    try:
        invitation = invitations.find_invitation(db, token, now=now)
    except invitations.InvitationNotValid:
        return _not_valid()
    user = db.get(User, invitation.user_id)
    assert user is not None  # find_invitation checked
    secret = invitations.enrolment_secret(token, config["SECRET_KEY"])
    form = AcceptInvitationForm()
    if form.is_submitted():
        form_ok = form.validate()
        if form_ok:
            try:
                invitations.accept(
                    db,
                    invitation,
                    token=token,
                    password=entered(form.password),
                    code=entered(form.code),
                    password_kdf=config["PASSWORD_KDF"],
                    secret_key=config["SECRET_KEY"],
                    now=now,
                )
            except invitations.WrongCode:
                form.code.data = ""
                form.code.errors = [
                    "The code is not right. Check the app shows this service and your email "
                    "address, then enter the code it shows now"
                ]
            except invitations.InvitationNotValid:
                return _not_valid()
            else:
                db.commit()
                flash(
                    "Your account is set up. Sign in with your email address, your new password "
                    "and a code from your authenticator app."
                )
                return redirect(url_for("auth.sign_in"))
    errors = govuk.error_summary(form)
    uri = invitations.otpauth_uri(secret, issuer=config["SERVICE_NAME"], account=user.email)
    return make_response(
        render_template(
            "invitation/accept.html",
            form=form,
            errors=errors,
            user=user,
            replacing=user.public_key is not None,
            qr_code=qr_code_svg(uri),
            grouped_secret=invitations.grouped_secret(secret),
            expires_at=invitation.expires_at,
            title="Set up your account",
            show_exit=False,
        ),
        400 if errors else 200,
    )
