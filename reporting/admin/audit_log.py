"""The audit log page: newest first, filtered, paginated, with the hash chain checked.

Read-only by design: there is no route anywhere that edits or deletes an entry.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import make_response, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .. import audit, govuk
from ..credentials import normalise_email
from ..db import database, get_session
from ..models import AuditEntry, User
from .forms import AuditFilterForm

PAGE_SIZE = 50
MAX_PAGE = 100_000


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


def _subject_emails(db: Any, entries: list[AuditEntry]) -> dict[str, str]:
    """The email behind each ``user:<id>`` subject on the page, in one query."""
    ids = set()
    for entry in entries:
        if entry.subject and entry.subject.startswith("user:") and entry.subject[5:].isdigit():
            ids.add(int(entry.subject[5:]))
    if not ids:
        return {}
    rows = db.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {f"user:{uid}": email for uid, email in rows}


def audit_log() -> Response:
    db = get_session()
    form = AuditFilterForm(formdata=request.args)
    actions = db.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    form.action.choices = [("", "All actions"), *((a, a) for a in actions)]
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)

    valid = form.validate()
    query = select(AuditEntry, User.email).outerjoin(User, AuditEntry.actor_id == User.id)
    if valid and form.action.data:
        query = query.where(AuditEntry.action == form.action.data)
    if valid and form.actor.data:
        query = query.where(User.email == normalise_email(form.actor.data))
    if valid:
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(
            query.order_by(AuditEntry.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        ).all()
    else:
        total, rows = 0, []
    entries = [row[0] for row in rows]
    subjects = _subject_emails(db, entries)

    # In its own session: verify_chain expunges as it walks, and must not detach the objects
    # this request is still using (the signed-in user among them).
    with database().session() as chain_db:
        checked, chain_break = audit.verify_chain(chain_db)

    pages = max(1, math.ceil(total / PAGE_SIZE))
    filters = {
        k: v for k, v in (("action", form.action.data), ("actor", form.actor.data)) if v and valid
    }

    def page_url(number: int) -> str:
        return url_for("admin.audit", page=number, **filters)

    errors = govuk.error_summary(form)
    return make_response(
        render_template(
            "admin/audit.html",
            form=form,
            errors=errors,
            rows=[
                {
                    "entry": entry,
                    "actor": email,
                    "subject": entry.subject or "",
                    "subject_email": subjects.get(entry.subject or ""),
                    "details": _details(entry.details),
                }
                for entry, email in rows
            ],
            total=total,
            page=page,
            pages=pages,
            previous_url=page_url(page - 1) if page > 1 else None,
            next_url=page_url(page + 1) if page < pages else None,
            checked=checked,
            chain_break=chain_break,
            filtered=bool(filters),
            title="Audit log",
            show_exit=False,
        ),
        400 if errors else 200,
    )
