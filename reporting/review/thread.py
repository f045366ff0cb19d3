"""The messages with the reporter, and the form to write one, as the report page shows them
(rendering only)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from ..messages import MESSAGE_MAX, MessageView
from . import bidi
from .action_forms import MessageForm

DATE = "%-d %B %Y"


def thread_items(thread: list[MessageView]) -> list[dict[str, Any]]:
    """Each message: who wrote it, the day, and its text as safe HTML (None: did not open)."""
    items = []
    for message in thread:
        html = None
        if message.text is not None:
            lines = Markup("<br>").join(escape(line) for line in message.text.splitlines())
            html = bidi.show_direction_controls(lines)
        items.append(
            {
                "who": "The reporter" if message.author == "reporter" else "The team",
                "day": message.written_on.strftime(DATE),
                "html": html,
            }
        )
    return items


def message_context(thread: list[MessageView], form: MessageForm | None) -> dict[str, Any]:
    """The report template's values for its "Messages with the reporter" section."""
    return {
        "thread": thread_items(thread),
        "message_form": form or MessageForm(formdata=None),
        "message_max": MESSAGE_MAX,
    }
