"""What a draft's answers are, and the few facts about them that several pages ask."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

# Each answered page's slug, then its fields by name (as they are stored with the draft).
Answers = Mapping[str, Mapping[str, Any]]
# The app's configuration (Flask's ``current_app.config``), as the forms read it.
Settings = Mapping[str, Any]

Voice = Literal["you", "they"]


def answer(answers: Answers, slug: str, name: str) -> object:
    """The answer to field ``name`` on page ``slug``, or None."""
    return answers.get(slug, {}).get(name)


def voice_of(answers: Answers) -> Voice:
    """ "you" unless the reporter said they are a witness or reporting for someone else."""
    reporter = answer(answers, "reporting-as", "reporter_type")
    return "they" if reporter in ("witness", "someone-else") else "you"


def wants_contact(answers: Answers) -> bool:
    return answer(answers, "contact", "contact") in ("email", "phone")
