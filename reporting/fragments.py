"""Page parts that never change for an app, rendered once and reused.

The GOV.UK macros behind the header, the skip link and "Exit this page" cost more to render
than the rest of a question page; their output depends only on configuration and on the
URL root, so it is cached per app and script root.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from markupsafe import Markup


def fragment(name: str) -> Markup:
    """The rendered ``templates/fragments/<name>.html``, from the cache after the first time."""
    cache: dict[tuple[str, str], Markup] = current_app.extensions["reporting.fragments"]
    key = (name, request.script_root)
    if key not in cache:
        # A rendered, autoescaped template of ours: already safe HTML.
        cache[key] = Markup(render_template(f"fragments/{name}.html"))  # noqa: S704
    return cache[key]


def init_app(app: Flask) -> None:
    app.extensions["reporting.fragments"] = {}
    app.jinja_env.globals["fragment"] = fragment
