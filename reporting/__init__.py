"""Secure online hate crime reporting service."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> str:
    """The instance folder: secrets and the SQLite file; a deployment may put it elsewhere."""
    return os.environ.get("REPORTING_INSTANCE_PATH") or str(ROOT / "instance")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; ``test_config`` replaces the file and environment layers."""
    from . import (
        access,
        admin,
        cli,
        config,
        db,
        errors,
        fragments,
        journey,
        replies,
        review,
        security,
        signin,
    )
    from .auth import sessions as staff_sessions

    app = Flask(
        __name__,
        instance_path=instance_path(),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load_config(app, test_config)

    # Our templates first, then the GOV.UK macro packages under their own prefixes.
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    fragments.init_app(app)
    app.jinja_env.globals["session_idle_seconds"] = int(staff_sessions.IDLE.total_seconds())

    db.init_app(app)
    security.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    app.register_blueprint(journey.bp)
    app.register_blueprint(signin.bp)
    app.register_blueprint(signin.front_bp)
    app.register_blueprint(signin.account_bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin.invitation_bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(replies.bp)
    # Per draft, and capped per network.
    security.limit_endpoint(
        app,
        "journey.check",
        app.config["RATELIMIT_SUBMIT"],
        network_limit=app.config["RATELIMIT_SUBMIT_NETWORK"],
    )
    # Per network (the app-wide budget) and per account, whoever is guessing.
    security.limit_endpoint(
        app, "auth.sign_in", app.config["RATELIMIT_SIGN_IN"], key_func=signin.views.account_key
    )
    # A receipt guess costs an Argon2id run: capped per network and for everyone together.
    security.limit_endpoint(
        app,
        "replies.check",
        app.config["RATELIMIT_RECEIPT_NETWORK"],
        key_func=security.client_network_key,
        global_limit=app.config["RATELIMIT_RECEIPT_GLOBAL"],
    )
    return app
