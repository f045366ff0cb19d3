"""This request's draft: the cookie that opens it, its answers, and the cookie on the response."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from werkzeug.wrappers import Response as BaseResponse

from .. import cookies, drafts
from ..db import get_session
from .questions import clean_answers


def cookie_name() -> str:
    name: str = current_app.config["DRAFT_COOKIE_NAME"]
    return name


def idle_minutes() -> int:
    """How long unsent answers are kept after the reporter's last step."""
    minutes: int = current_app.config["DRAFT_IDLE_MINUTES"]
    return minutes


def cookie() -> drafts.DraftCookie | None:
    """The request's draft cookie, or None if it has none (or only the sent marker)."""
    return drafts.DraftCookie.parse(request.cookies.get(cookie_name()))


def required_cookie() -> drafts.DraftCookie:
    """The request's draft cookie; DraftMissing (answered by the blueprint) if it has none."""
    found = cookie()
    if found is None:
        raise drafts.DraftMissing
    return found


def holds_sent_marker() -> bool:
    """Whether the cookie says only "this browser sent a report" (see drafts.SENT_MARKER)."""
    return drafts.is_sent_marker(request.cookies.get(cookie_name()))


def set_cookie(response: BaseResponse, value: drafts.DraftCookie | drafts.SentMarker) -> None:
    cookies.set_private(response, cookie_name(), value.value())


def forget(response: BaseResponse) -> None:
    cookies.clear_private(response, cookie_name())


def load_answers() -> dict[str, Any]:
    """The answers so far; DraftMissing, DraftExpired or DraftSent if there are none to load."""
    return drafts.load_answers(get_session(), required_cookie())


def save_answers(answers: dict[str, Any]) -> None:
    """Store the answers (without those to pages that no longer apply), and commit."""
    db = get_session()
    drafts.save_answers(db, required_cookie(), clean_answers(answers), idle_minutes=idle_minutes())
    db.commit()
