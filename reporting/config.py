"""Layered configuration that fails closed.

Layers, later ones winning: the defaults below, ``instance/config.py``, ``REPORTING_*``
environment variables, then the mapping a test passes to ``create_app``. Secrets have no
defaults: a deployment that forgot one must not start with a guessable value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import alerts, clocks, crypto, follow_up
from .area import (
    HATE_STRANDS,
    NORTHAMPTONSHIRE_DISTRICT_HINTS,
    NORTHAMPTONSHIRE_DISTRICTS,
    NORTHAMPTONSHIRE_SUPPORT_SERVICES,
)


class ConfigError(RuntimeError):
    """The configuration is missing or unsafe; the app refuses to start."""


DEFAULTS: dict[str, object] = {
    "SERVICE_NAME": "Report hate crime",
    "AREA_NAME": "Northamptonshire",
    # Where "Exit this page" goes: somewhere neutral that looks ordinary on a shared screen.
    "EXIT_URL": "https://www.bbc.co.uk/weather",
    "DISTRICTS": NORTHAMPTONSHIRE_DISTRICTS,
    # Shown under each area on the journey's area question: {code: "council: towns"}.
    "DISTRICT_HINTS": NORTHAMPTONSHIRE_DISTRICT_HINTS,
    "HATE_STRANDS": HATE_STRANDS,
    "SUPPORT_SERVICES": NORTHAMPTONSHIRE_SUPPORT_SERVICES,
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "SECRET_KEY": None,
    "RECEIPT_PEPPER": None,  # hex, >= 32 bytes; salts every receipt derivation
    "RECEIPT_KDF": crypto.RECEIPT_KDF,
    "PASSWORD_KDF": crypto.PASSWORD_KDF,
    "DRAFT_IDLE_MINUTES": 60,
    # A receipt session ends this long after the last request (5 to 60: a shared device must
    # not keep it); the warning, with "Stay signed in", opens this many seconds before (as the
    # journey's does, journey/keepalive.py).
    "RECEIPT_IDLE_MINUTES": follow_up.IDLE_MINUTES,
    "RECEIPT_WARNING_SECONDS": 5 * 60,
    # The confirmation page's promise, and each report's first-look due date: working days
    # (England and Wales) after the day a report arrives.
    "FIRST_LOOK_WORKING_DAYS": clocks.FIRST_LOOK_WORKING_DAYS,
    # "Find a reporting centre" hides a centre whose listing was not checked in this many days.
    "CENTRE_LISTING_MAX_AGE_DAYS": 365,
    # The biggest honest journey POST is 10,000 characters of text, percent-encoded (up to 9
    # bytes a character); anything larger is not a person typing.
    "MAX_CONTENT_LENGTH": 128 * 1024,
    "RATELIMIT_STORAGE_URI": "memory://",
    # Each limit counts per draft (requests without one: per network), and a second one caps
    # the client's whole network (/24, /64). The network caps are sized for a busy library or
    # community centre on one address block: 30 people each posting ~25 question pages in 20
    # minutes is ~2,250 POSTs an hour, peaking near 150 a minute; 30 sends in 20 minutes.
    "RATELIMIT_POST": "60 per minute;600 per hour",
    "RATELIMIT_POST_NETWORK": "300 per minute;4500 per hour",
    "RATELIMIT_SUBMIT": "10 per hour;30 per day",
    "RATELIMIT_SUBMIT_NETWORK": "120 per hour;600 per day",
    "RATELIMIT_SIGN_IN": "5 per minute;20 per hour",
    # Receipts typed on "Check for replies": per network, and a ceiling for everyone together
    # that guessers spread over many networks cannot pass (each try runs Argon2id too).
    "RATELIMIT_RECEIPT_NETWORK": "10 per hour",
    "RATELIMIT_RECEIPT_GLOBAL": "500 per hour",
    # How many proxies in front of us set X-Forwarded-For; 0 means we are not behind one.
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    # Plain http with unprefixed, non-Secure cookies, on a loopback host only: for `make run`.
    "DEV_HTTP": False,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # Flask-WTF's strict mode wants a same-origin Referer on https, but we send
    # Referrer-Policy: no-referrer, so browsers send none. The token plus SameSite=Strict
    # cookies carry the protection instead.
    "WTF_CSRF_SSL_STRICT": False,
    "SESSION_COOKIE_NAME": "__Host-session",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "SESSION_COOKIE_PATH": "/",
    "DRAFT_COOKIE_NAME": "__Host-draft",
    "RECEIPT_COOKIE_NAME": "__Host-replies",
    "PREFERRED_URL_SCHEME": "https",
    "TESTING": False,
    # Lets a test or benchmark serve with Argon2 costs below KDF_FLOORS. Never in production.
    "ALLOW_TEST_KDF": False,
    # Optional email alerts of a new message: SMTP_* and ALERT_* (off without SMTP_HOST).
    **alerts.DEFAULTS,
}

_KDF_KEYS = ("RECEIPT_KDF", "PASSWORD_KDF")
# The least Argon2id cost a deployment may run with (memory KiB, passes). Receipts: 53 bits
# of digits behind the pepper, kept cheap on purpose (ARCHITECTURE.md §4), but not free.
# Passwords: OWASP's minimum for Argon2id (19 MiB, 2 passes).
KDF_FLOORS = {"RECEIPT_KDF": (4096, 2), "PASSWORD_KDF": (19456, 2)}


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from every layer, then check it."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("REPORTING")
    else:
        app.config.from_mapping(test_config)
    _normalise(app)
    validate(app.config)


def _normalise(app: Flask) -> None:
    config = app.config
    if config["DATABASE_URL"] is None:
        config["DATABASE_URL"] = f"sqlite:///{app.instance_path}/reporting.sqlite3"
    for key in _KDF_KEYS:
        value = config[key]
        if isinstance(value, (list, tuple)):
            config[key] = crypto.Argon2Params(*value)
        elif isinstance(value, Mapping):
            config[key] = crypto.Argon2Params(**value)
    if config["DEV_HTTP"]:
        # Browsers refuse __Host- cookies without Secure, and Secure cookies over plain http.
        config["SESSION_COOKIE_NAME"] = "dev-session"
        config["SESSION_COOKIE_SECURE"] = False
        config["DRAFT_COOKIE_NAME"] = "dev-draft"
        config["RECEIPT_COOKIE_NAME"] = "dev-replies"
        config["PREFERRED_URL_SCHEME"] = "http"


def validate(config: Mapping[str, Any]) -> None:
    """Raise ConfigError unless every secret is present and strong enough."""
    secret = config.get("SECRET_KEY")
    if not secret or len(str(secret)) < 32:
        raise ConfigError(
            "REPORTING_SECRET_KEY is missing or shorter than 32 characters. Set it in the "
            "environment, or create instance/config.py with `python -m reporting.keygen "
            "instance/config.py`."
        )
    pepper = config.get("RECEIPT_PEPPER")
    try:
        pepper_bytes = bytes.fromhex(str(pepper)) if pepper else b""
    except ValueError:
        pepper_bytes = b""
    if len(pepper_bytes) < 32:
        raise ConfigError(
            "REPORTING_RECEIPT_PEPPER is missing or is not at least 32 bytes of hex. Set it in "
            "the environment, or create instance/config.py with `python -m reporting.keygen "
            "instance/config.py`. Changing it makes every existing receipt unusable."
        )
    days = config.get("FIRST_LOOK_WORKING_DAYS")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 30:
        raise ConfigError("FIRST_LOOK_WORKING_DAYS must be a whole number of days, 1 to 30.")
    age = config.get("CENTRE_LISTING_MAX_AGE_DAYS")
    if type(age) is not int or not 30 <= age <= 730:
        raise ConfigError("CENTRE_LISTING_MAX_AGE_DAYS must be a whole number of days, 30 to 730.")
    _validate_receipt_timing(config)
    problem = alerts.config_problem(config)
    if problem:
        raise ConfigError(problem)
    for key in _KDF_KEYS:
        params = config.get(key)
        if not isinstance(params, crypto.Argon2Params):
            raise ConfigError(f"{key} must be (memory_cost_kib, iterations, lanes).")
        memory, passes = KDF_FLOORS[key]
        below = params.memory_cost_kib < memory or params.iterations < passes
        # Test suites and benchmarks say so (TESTING, or ALLOW_TEST_KDF for a served copy).
        if below and not (config.get("TESTING") or config.get("ALLOW_TEST_KDF")):
            raise ConfigError(
                f"{key} is below the floor of {memory} KiB and {passes} passes: such a cost "
                "is for tests only."
            )


def _validate_receipt_timing(config: Mapping[str, Any]) -> None:
    """The receipt session's idle time, bounded, and its warning, which must fit inside it."""
    minutes, warning = config.get("RECEIPT_IDLE_MINUTES"), config.get("RECEIPT_WARNING_SECONDS")
    if type(minutes) is not int or not 5 <= minutes <= 60:
        raise ConfigError("RECEIPT_IDLE_MINUTES must be a whole number of minutes, 5 to 60.")
    if type(warning) is not int or not 60 <= warning < minutes * 60:
        raise ConfigError(
            "RECEIPT_WARNING_SECONDS must be a whole number of seconds, at least 60 (time to "
            "read the warning and act, WCAG 2.2.1) and less than RECEIPT_IDLE_MINUTES."
        )


def receipt_pepper(config: Mapping[str, Any]) -> bytes:
    return bytes.fromhex(str(config["RECEIPT_PEPPER"]))
