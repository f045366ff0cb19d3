"""The audit log page: newest first, filtered, paginated, with the hash chain checked.

Read-only by design: there is no route anywhere that edits or deletes an entry.
"""

from __future__ import annotations

import json

from flask import make_response, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import audit, audit_search, govuk
from ..db import database, get_session
from . import bp
from .forms import AuditFilterForm


def _details(text: str) -> list[tuple[str, str]]:
    try:
        details = json.loads(text)
    except ValueError:
        return [("details", text)]
    if not isinstance(details, dict):
        return [("details", str(details))]
    return [
        (
            key.replace("_", " "),
            ", ".join(map(str, value)) if isinstance(value, list) else str(value),
        )
        for key, value in sorted(details.items())
    ]


@bp.get("/audit", endpoint="audit")
def audit_log() -> Response:
    db = get_session()
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = [("", "All actions"), *((a, a) for a in audit_search.action_names(db))]
    page = audit_search.page_number(request.args.get("page", 1, type=int))
    valid = form.validate()
    # The filters that apply: none while the form has errors.
    action = (form.action.data or None) if valid else None
    actor = (form.actor.data or None) if valid else None
    found = (
        audit_search.search(db, page=page, action=action, actor=actor)
        if valid
        else audit_search.Found()
    )
    # In its own session: verify_chain expunges as it walks, and must not detach the objects
    # this request is still using (the signed-in user among them).
    with database().session() as chain_db:
        checked, chain_break = audit.verify_chain(chain_db)

    def page_url(number: int) -> str:
        return url_for("admin.audit", page=number, action=action, actor=actor)

    errors = govuk.error_summary(form)
    return make_response(
        render_template(
            "admin/audit.html",
            form=form,
            errors=errors,
            rows=[
                {
                    "entry": row.entry,
                    "actor": row.actor_email,
                    "subject": row.entry.subject or "",
                    "subject_email": row.subject_email,
                    "details": _details(row.entry.details),
                }
                for row in found.rows
            ],
            total=found.total,
            page=page,
            pages=found.pages,
            previous_url=page_url(page - 1) if page > 1 else None,
            next_url=page_url(page + 1) if page < found.pages else None,
            checked=checked,
            chain_break=chain_break,
            filtered=bool(action or actor),
            title="Audit log",
            show_exit=False,
        ),
        400 if errors else 200,
    )
