"""The base of every form: Flask-WTF's FlaskForm with a typed constructor.

Flask-WTF does not annotate ``FlaskForm.__init__``, so under strict mypy every call to a form
would be an untyped call; annotating it here, once, keeps that check on for everything else.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm


class Form(FlaskForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]

    def is_submitted(self) -> bool:
        return bool(super().is_submitted())  # type: ignore[no-untyped-call]

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        return self.is_submitted() and self.validate(extra_validators=extra_validators)
