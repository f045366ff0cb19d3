"""The GOV.UK error summary, built the same way for every form in the service."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import Field


def first_input_id(field: Field) -> str:
    """The id the summary links to: the field's first input.

    A radio or checkbox group's first item carries the field's own id (govuk-frontend-wtf); a
    field made of several inputs (a date) names its first one as ``first_input_id``.
    """
    named = getattr(field, "first_input_id", None)
    return named if isinstance(named, str) else str(field.id)


def error_summary(fields: Iterable[Field]) -> list[dict[str, str]]:
    """One item per field in error, its first message, linking to its first input."""
    return [
        {"text": str(field.errors[0]), "href": f"#{first_input_id(field)}"}
        for field in fields
        if field.errors
    ]
