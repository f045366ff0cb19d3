"""Text-direction controls in a reporter's answers, made visible to the officer reading them.

A right-to-left override (U+202E) and its kin reorder how text is drawn without changing what
it is: "user\\u202egro.elpmaxe@evil.com" is drawn as an address at example.org. On the officer's
page and its print, each such character is replaced by a marker naming it, and each answer is
isolated in ``<bdi>`` so that its direction cannot spill into the rest of the page.
"""

from __future__ import annotations

import re

from markupsafe import Markup

# Embeddings and overrides, isolates, the implicit marks, and the Arabic letter mark.
DIRECTION_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_CONTROL = re.compile(f"[{DIRECTION_CONTROLS}]")
MARKER = '<strong class="govuk-tag govuk-tag--red">[U+{code:04X}]</strong>'


def show_direction_controls(html: Markup) -> Markup:
    """Safe HTML (escaped text and ``<br>`` only) with each direction control replaced by a
    visible ``[U+XXXX]`` marker, the whole isolated in ``<bdi>``."""
    marked = _CONTROL.sub(lambda match: MARKER.format(code=ord(match.group())), str(html))
    return Markup(f"<bdi>{marked}</bdi>")  # noqa: S704 - escaped text, markers of our own
