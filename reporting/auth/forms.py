"""Sign-in and account forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextInput
from wtforms import Field, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..baseform import Form
from ..credentials import MIN_PASSWORD_LENGTH
from . import totp
from .passwords import is_common_password

MAX_PASSWORD_LENGTH = 200
CODE_FORMAT_ERROR = "Enter the code as 6 digits, like 123456"


def entered(field: Field) -> str:
    """The text of a field that has passed its validators, which refuse a missing value."""
    if not isinstance(field.data, str):
        raise ValueError(f"{field.name} was read before the form was validated")
    return field.data


def check_code(_form: Form, field: StringField) -> None:
    """Read the code as 6 ASCII digits, or refuse it, before any password is looked at: a
    badly typed code gets this answer whatever the account and password are."""
    typed = totp.normalise_code(field.data or "")
    if typed is None:
        raise ValidationError(CODE_FORMAT_ERROR)
    field.data = typed


class SignInForm(Form):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your password"), Length(max=MAX_PASSWORD_LENGTH)],
    )
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="The 6-digit code shown in the app now.",
        validators=[DataRequired("Enter the code from your authenticator app"), check_code],
    )


def check_new_password(_form: Form, field: PasswordField) -> None:
    value = field.data or ""
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(value) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")
    if is_common_password(value):
        raise ValidationError("That password is too common: choose one that is harder to guess")


class NewPasswordForm(Form):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.",
        validators=[check_new_password],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[EqualTo("password", "Passwords do not match")],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your current password"), Length(max=MAX_PASSWORD_LENGTH)],
    )


class ConfirmForm(Form):
    """A button that only needs CSRF protection (sign out, end sessions, ...)."""
