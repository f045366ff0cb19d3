"""What a copy for the police may contain: only what the reporter agrees to share NOW.

The reporter answers "Can we share this report with the police?" with their contact details,
without them, or not at all, and may change that answer later through their receipt
(reporter_updates.change_consent). The report's clear column ``share_with_police`` always holds
the current answer: everything here reads it, never the answer as first sent. A printed copy
(the one that may be handed on) follows it: without contact details, the answer pages that say
how to reach the reporter or who they are are left out whole; not at all, or no answer, and the
copy says it must not go to the police.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..models import Report

PoliceSharing = Literal["with-details", "without-details", "no"]

# Answer pages (by slug) left out of a copy shared "without my contact details": how to
# contact the reporter, and about the person it happened to (their name). Whole pages only:
# a new page with such details is one more slug here.
PERSONAL_DETAIL_PAGES = frozenset(
    {"contact", "contact-details", "contact-times", "contact-language", "about"}
)


def police_sharing(report: Report) -> PoliceSharing:
    """The reporter's current answer about the police; anything but a clear yes is "no"."""
    value = report.share_with_police
    if value == "with-details":
        return "with-details"
    if value == "without-details":
        return "without-details"
    return "no"


def withheld_pages(report: Report) -> frozenset[str]:
    """Slugs of the answer pages a copy for the police must leave out."""
    if police_sharing(report) == "without-details":
        return PERSONAL_DETAIL_PAGES
    return frozenset()


def with_current_sharing(answers: Mapping[str, Any], report: Report) -> dict[str, Any]:
    """The answers with the sharing page as the reporter answers it now (a change made
    through the receipt replaces the answer first sent; the page says when it changed)."""
    current = dict(answers)
    if "sharing" in current or report.share_with_police or report.share_with_support:
        sharing = dict(current.get("sharing") or {})
        sharing["share_with_police"] = report.share_with_police
        sharing["share_with_support"] = report.share_with_support
        current["sharing"] = sharing
    return current
