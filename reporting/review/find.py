"""Finding a report by its reference from any staff page (the box in the staff header), and
"Mark all as seen" on the review list.

A reference is read however people type it: any case, spaces, any kind of dash, with or
without "HC". An exact match goes straight to the report (303); a well-formed reference that
no report has gets a 404 page saying so, with what was typed back in its box; anything else
(empty, too long, symbols, the wrong length) a 400 page saying what a reference looks like.
"""

from __future__ import annotations

import re

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import access
from ..casework import opening, seen
from ..db import get_session
from ..reports import REFERENCE_ALPHABET
from . import bp
from .forms import MarkSeenForm

MAX_TYPED = 40
EXAMPLE = "HC-7KQ2-9XMD"
# Spaces, and every dash people's keyboards and word processors make.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


class NotAReference(ValueError):
    """What was typed cannot be a reference; the message says why, for the person."""


def parse_reference(typed: str) -> str:
    """The reference ``typed`` names, as HC-XXXX-XXXX; NotAReference if it cannot be one."""
    text = typed.strip()
    if not text:
        raise NotAReference(f"Enter a report reference, like {EXAMPLE}")
    if len(text) > MAX_TYPED:
        raise NotAReference(f"A reference is 12 characters, like {EXAMPLE}: this is too long")
    compact = _SEPARATORS.sub("", text).upper()
    if not (compact.isascii() and compact.isalnum()):
        raise NotAReference(f"A reference has only letters, numbers and dashes, like {EXAMPLE}")
    if len(compact) == 10 and compact.startswith("HC"):
        compact = compact[2:]
    if len(compact) != 8:
        raise NotAReference(
            f"A reference is HC- then 8 letters and numbers, like {EXAMPLE}: check it"
        )
    return f"HC-{compact[:4]}-{compact[4:]}"


def _page(typed: str, heading: str, error: str, status: int) -> Response:
    html = render_template(
        "review/find.html",
        title=heading,
        heading=heading,
        typed=typed,
        error=error,
        errors=[{"text": error, "href": "#reference"}],
    )
    return make_response(html, status)


@bp.get("/find")
def find() -> Response:
    typed = request.args.get("reference", "")
    try:
        reference = parse_reference(typed)
    except NotAReference as wrong:
        return _page(typed[: MAX_TYPED * 2], "Find a report", str(wrong), 400)
    try:
        report = opening.find_report(get_session(), reference)
    except opening.ReportNotFound:
        error = f"No report has the reference {reference}"
        if set(reference[3:].replace("-", "")) - set(REFERENCE_ALPHABET):
            error += ": references never use 0, O, 1, I or L"
        return _page(typed, f"No report has the reference {reference}", error, 404)
    return redirect(url_for("review.report", reference=report.reference), 303)


@bp.post("/seen")
def mark_seen() -> Response:
    form = MarkSeenForm()
    if not form.validate():
        abort(400)
    db = get_session()
    seen.mark_seen(db, access.signed_in_staff().user.id, form.arrival)
    db.commit()
    flash("Every report that was in the list when you loaded it is now marked as seen.")
    return redirect(url_for("review.reports"), 303)
