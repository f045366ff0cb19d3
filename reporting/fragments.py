"""Page parts that never change for an app, rendered once and reused.

The GOV.UK macros behind the header, the skip link and "Exit this page" cost more to render
than the rest of a question page; their output depends only on configuration and on the
URL root, so it is cached per app and script root.

A whole page whose only changing parts are a few values printed as text (the confirmation
page: a reference and a receipt) is cached the same way, as a frame with a hole for each value.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, current_app, render_template, request
from markupsafe import Markup, escape

# A cached frame: literal HTML at even positions, the index of a value at odd ones.
Frame = tuple[str | int, ...]


def fragment(name: str) -> Markup:
    """The rendered ``templates/fragments/<name>.html``, from the cache after the first time."""
    cache: dict[tuple[str, str], Markup] = current_app.extensions["reporting.fragments"]
    key = (name, request.script_root)
    if key not in cache:
        # A rendered, autoescaped template of ours: already safe HTML.
        cache[key] = Markup(render_template(f"fragments/{name}.html"))  # noqa: S704
    return cache[key]


def render_with_values(
    name: str, context: Callable[[Sequence[str]], dict[str, Any]], values: Sequence[str]
) -> str:
    """``render_template(name, **context(values))``, from a cached frame after the first time.

    For a page that depends on nothing but ``values``, the app's configuration and the URL
    root. The first time, the page is rendered with a random stand-in for each value and
    split at the stand-ins into a frame; later calls fill its holes with the values, escaped.
    The first call also renders the page as usual and uses the frame only if, filled with the
    same values, it gives exactly that page: a template that does more with a value than
    print it (a test, a filter, a length) is then rendered in full every time.
    """
    cache: dict[tuple[str, str, int], Frame | None] = current_app.extensions["reporting.pages"]
    key = (name, request.script_root, len(values))
    if key in cache:
        frame = cache[key]
        if frame is None:
            return render_template(name, **context(values))
        return _fill(frame, values)
    stand_in = f"value-{secrets.token_hex(16)}-"
    stand_ins = [f"{stand_in}{i}" for i in range(len(values))]
    parts = re.split(f"{stand_in}([0-9]+)", render_template(name, **context(stand_ins)))
    frame = tuple(int(part) if i % 2 else part for i, part in enumerate(parts))
    page = render_template(name, **context(values))
    cache[key] = frame if _fill(frame, values) == page else None
    return page


def _fill(frame: Frame, values: Sequence[str]) -> str:
    return "".join(part if isinstance(part, str) else escape(values[part]) for part in frame)


def init_app(app: Flask) -> None:
    app.extensions["reporting.fragments"] = {}
    app.extensions["reporting.pages"] = {}
    app.jinja_env.globals["fragment"] = fragment
