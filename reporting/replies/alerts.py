"""Email alerts on the receipt pages: ask for an email when there is a new message, see the
address (masked), stop the emails.

Thin: parse, call alerts, commit, then render or redirect. Its own page (the report page links
to it): what the email says and does not, and the form. The session cookie alone says which
report; the address is opened with the data key the receipt session holds, never otherwise.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from werkzeug.wrappers import Response
from wtforms import Field, StringField
from wtforms.validators import Length, ValidationError

from .. import alerts, follow_up, govuk
from ..baseform import Form
from ..db import get_session
from . import bp
from .keepalive import idle_minutes
from .views import cookie_name

WRONG_FORMAT = "Enter an email address in the correct format, like name@example.com"


class AlertForm(Form):
    """As the journey's email question (journey/forms.py EmailForm), and one address only."""

    email = StringField(
        "Email address",
        widget=GovTextInput(),
        description="We will only use it to tell you there is a new message.",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            Length(max=alerts.ADDRESS_MAX, message="Email address must be 254 characters or fewer")
        ],
    )

    def validate_email(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Enter your email address")
        try:
            alerts.clean_address(field.data)
        except alerts.InvalidAddress:
            raise ValidationError(WRONG_FORMAT) from None


def _session() -> follow_up.ReceiptSession:
    cookie = follow_up.ReceiptCookie.parse(request.cookies.get(cookie_name()))
    return follow_up.load(get_session(), cookie, idle_minutes=idle_minutes())


def _page(
    form: AlertForm, masked: str | None, available: bool, status: int = 200
) -> tuple[str, int]:
    html = render_template(
        "replies/alerts.html",
        title="Get an email when there is a new message",
        form=form,
        masked=masked,
        available=available,
        errors=govuk.error_summary([form.email]),
        done=request.args.get("done", "") if status == 200 else "",
        idle_minutes=follow_up.IDLE_MINUTES,
    )
    return html, status


def _state(session: follow_up.ReceiptSession) -> tuple[str | None, bool]:
    """The address shown (masked), and whether a new one may be given."""
    on = alerts.settings(current_app.config) is not None
    if session.data_key is None:  # a report sent before messages: nothing to be told about
        return None, False
    return alerts.masked_address(get_session(), session.report_id, session.data_key), on


@bp.get("/replies/alerts")
def alert_settings() -> tuple[str, int]:
    session = _session()
    masked, available = _state(session)
    get_session().commit()  # the session's new expiry
    return _page(AlertForm(formdata=None), masked, available)


@bp.post("/replies/alerts")
def save_alert() -> Response | tuple[str, int]:
    db = get_session()
    session = _session()
    form = AlertForm()
    if alerts.settings(current_app.config) is None or session.data_key is None:
        db.commit()
        return redirect(url_for("replies.alert_settings"), 303)  # the page says why not
    if not form.validate():
        masked, available = _state(session)
        db.commit()
        return _page(form, masked, available, status=400)  # what was typed, with its error
    alerts.set_address(db, session.report_id, session.data_key, form.email.data)
    db.commit()
    return redirect(url_for("replies.alert_settings", done="saved"), 303)


@bp.post("/replies/alerts/stop")
def stop_alerts() -> Response:
    db = get_session()
    session = _session()
    alerts.delete_address(db, session.report_id)
    db.commit()
    return redirect(url_for("replies.alert_settings", done="stopped"), 303)
