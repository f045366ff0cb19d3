"""Moving a draft's clock in tests: its idle expiry and its sent state's end are encrypted
under the key in the reporter's cookie, so only a test holding that cookie can read or set them
(as only the reporter's browser can)."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select, update

from reporting import drafts, sent
from reporting.db import database
from reporting.models import Draft

DRAFT_COOKIE = "__Host-draft"


def _cookie(cookie_value: str) -> drafts.DraftCookie:
    cookie = drafts.DraftCookie.parse(cookie_value)
    assert cookie is not None, cookie_value
    return cookie


def draft_expiry(app: Flask, cookie_value: str) -> dt.datetime:
    """The draft's idle expiry, as its cookie opens it."""
    cookie = _cookie(cookie_value)
    with database(app).session() as db:
        sealed = db.scalar(select(Draft.expiry).where(Draft.id == cookie.draft_id))
    value = drafts.open_expiry(cookie, sealed)
    assert value is not None
    return value


def set_draft_expiry(app: Flask, cookie_value: str, when: dt.datetime) -> None:
    """Move the draft's idle expiry (its purge day follows, as the app would set it)."""
    cookie = _cookie(cookie_value)
    with database(app).session() as db:
        db.execute(
            update(Draft)
            .where(Draft.id == cookie.draft_id)
            .values(expiry=drafts.seal_expiry(cookie, when), purge_on=drafts.purge_day(when))
        )
        db.commit()


def sent_until(app: Flask, cookie_value: str) -> dt.datetime:
    """When the sent state ends, as the cookie opens its receipt."""
    cookie = _cookie(cookie_value).as_sent()
    with database(app).session() as db:
        state, shown = sent.read_sent(db, cookie, now=dt.datetime.min)
        assert state is sent.SentState.SHOWING and shown is not None
        sealed = db.scalar(select(Draft.receipt).where(Draft.id == cookie.draft_id))
    assert sealed is not None
    opened = sent.open_receipt(cookie, sealed)
    assert opened is not None
    return opened[1]


def set_sent_until(app: Flask, cookie_value: str, when: dt.datetime) -> None:
    """Move the end of the sent state (and its purge day); nothing if it has no sent row."""
    cookie = _cookie(cookie_value).as_sent()
    with database(app).session() as db:
        _state, shown = sent.read_sent(db, cookie, now=dt.datetime.min)
        if shown is None:
            return
        db.execute(
            update(Draft)
            .where(Draft.id == cookie.draft_id)
            .values(
                receipt=sent.seal_receipt(cookie, shown, when),
                purge_on=drafts.purge_day(when),
            )
        )
        db.commit()
