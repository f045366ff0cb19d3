"""What a copy for the police may contain: only what the reporter agreed to share.

The reporter answers "Can we share this report with the police?" with their contact details,
without them, or not at all. A printed copy (the one that may be handed on) follows that
answer: without contact details, the answer pages that say how to reach the reporter or who
they are are left out whole; not at all, or no answer, and the copy says it must not go to
the police.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

PoliceSharing = Literal["with-details", "without-details", "no"]

# Answer pages (by slug) left out of a copy shared "without my contact details": how to
# contact the reporter, and about the person it happened to (their name). Whole pages only:
# a new page with such details is one more slug here.
PERSONAL_DETAIL_PAGES = frozenset(
    {"contact", "contact-details", "contact-times", "contact-language", "about"}
)


def police_sharing(answers: Mapping[str, Any]) -> PoliceSharing:
    """The reporter's answer about the police; anything but a clear yes counts as "no"."""
    sharing = answers.get("sharing")
    value = sharing.get("share_with_police") if isinstance(sharing, Mapping) else None
    if value == "with-details":
        return "with-details"
    if value == "without-details":
        return "without-details"
    return "no"


def withheld_pages(answers: Mapping[str, Any]) -> frozenset[str]:
    """Slugs of the answer pages a copy for the police must leave out."""
    if police_sharing(answers) == "without-details":
        return PERSONAL_DETAIL_PAGES
    return frozenset()
