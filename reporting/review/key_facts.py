"""The key-facts box at the top of a report: what an officer must know before acting on it.

Rendering only. Still happening, someone in danger, whether and how it is safe to make contact
(method, whether the address or number was given, safe times, voicemail), help to talk, and what
the reporter agreed to share. The sharing rows read the report's clear columns
``share_with_police`` and ``share_with_support``: they are the current truth (the reporter can
change them later with the receipt), not the answers sealed at send.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from ..journey.choices import STILL_HAPPENING
from ..models import Report
from . import bidi

NOT_ANSWERED = "Not answered"
# Rows about how to reach the reporter: left out of a copy that withholds the "contact" page.
CONTACT_PAGES = frozenset({"contact", "contact-details", "contact-times", "contact-language"})

POLICE = {
    "with-details": "Yes, with their contact details",
    "without-details": "Yes, without their contact details",
    "no": "No",
}
SUPPORT = {"yes": "Yes", "no": "No"}


def _answer(answers: Mapping[str, Any], slug: str, name: str) -> object:
    page = answers.get(slug)
    return page.get(name) if isinstance(page, Mapping) else None


def _typed(value: object) -> Markup | None:
    """The reporter's own words as safe HTML, direction controls shown; None if blank."""
    if not isinstance(value, str) or not value.strip():
        return None
    return bidi.show_direction_controls(escape(value.strip()))


def _row(key: str, value: str | Markup) -> dict[str, Any]:
    html = value if isinstance(value, Markup) else escape(value)
    return {"key": {"text": key}, "value": {"html": html}}


def _contact_rows(answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    method = _answer(answers, "contact", "contact")
    if method == "receipt":
        return [
            _row(
                "Contact",
                Markup("<strong>Do not contact them.</strong> ")
                + "They will check for replies with their receipt.",
            )
        ]
    if method not in ("email", "phone"):
        return [_row("Contact", NOT_ANSWERED)]
    given = _typed(_answer(answers, "contact-details", str(method)))
    noun = "email address" if method == "email" else "phone number"
    rows = [
        _row(
            "Contact",
            f"Yes, by {method}: "
            + (f"{noun} given (below)" if given is not None else f"no {noun} given"),
        )
    ]
    if method == "phone":
        rows.append(
            _row(
                "Safe times to call",
                _typed(_answer(answers, "contact-times", "safe_times")) or "Not given",
            )
        )
        voicemail = _answer(answers, "contact-times", "leave_message")
        rows.append(
            _row(
                "Voicemail",
                "It is safe to leave a message"
                if voicemail == "yes"
                else Markup("<strong>Do not leave a message</strong>")
                if voicemail == "no"
                else "Not answered: do not leave a message until they say it is safe",
            )
        )
    language = _typed(_answer(answers, "contact-language", "language_needs"))
    rows.append(_row("Interpreter or help to talk", language or "None asked for"))
    return rows


def key_facts(
    report: Report, answers: Mapping[str, Any], withheld: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """The box's summary-list rows; contact rows left out when ``withheld`` holds them."""
    ongoing = dict(STILL_HAPPENING).get(str(_answer(answers, "still-happening", "still_happening")))
    rows = [
        _row("Still happening", ongoing or NOT_ANSWERED),
        _row(
            "Someone in danger",
            Markup("<strong>Yes: someone was in immediate danger when they reported</strong>")
            if report.in_danger
            else "No one was in immediate danger when they reported",
        ),
    ]
    if not CONTACT_PAGES & withheld:
        rows.extend(_contact_rows(answers))
    rows.append(_row("Share with the police", POLICE.get(report.share_with_police or "", "No")))
    rows.append(
        _row("Share with support services", SUPPORT.get(report.share_with_support or "", "No"))
    )
    return rows
