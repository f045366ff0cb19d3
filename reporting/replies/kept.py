"""The receipt page's "Add to your report" and "What you agree to share" forms, as shown: empty
(or the current choices), or as last sent with their errors (kept sealed in the session)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict

from .. import follow_up, reporter_updates
from .forms import AdditionForm, SharingForm


def addition_errors(form: AdditionForm) -> list[str]:
    """The form's errors for its text, else the ones reporter_updates would raise."""
    if not form.addition.validate(form):
        return list(form.addition.errors)
    try:
        reporter_updates.clean_addition(form.addition.data)
    except reporter_updates.EmptyAddition:
        return ["Enter what you want to add to your report"]
    except reporter_updates.AdditionTooLong:
        limit = reporter_updates.ADDITION_MAX
        return [f"What you add must be {limit:,} characters or fewer"]
    return []


def kept_forms(
    session: follow_up.ReceiptSession, yours: reporter_updates.ReporterSide
) -> tuple[AdditionForm, SharingForm]:
    typed = session.kept.get("addition")
    if typed is None:
        addition = AdditionForm(formdata=None)
    else:
        addition = AdditionForm(formdata=MultiDict({"addition": typed}))
        addition.addition.errors = addition_errors(addition)
    chosen = session.kept.get("sharing")
    if chosen is None:
        current = {"share_with_police": yours.police, "share_with_support": yours.support}
        sharing = SharingForm(formdata=None, data=current)
        sharing.set_choices(yours.details_allowed)
        return addition, sharing
    sharing = SharingForm(formdata=MultiDict(parse_qsl(chosen)))
    sharing.set_choices(yours.details_allowed)
    for field in (sharing.share_with_police, sharing.share_with_support):
        field.validate(sharing)
    return addition, sharing
