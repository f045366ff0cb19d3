"""Layered configuration that fails closed.

Layers, later ones winning: the defaults below, ``instance/config.py``, ``REPORTING_*``
environment variables, then the mapping a test passes to ``create_app``. Secrets have no
defaults: a deployment that forgot one must not start with a guessable value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import crypto

NORTHAMPTONSHIRE_DISTRICTS: list[tuple[str, str]] = [
    ("corby", "Corby"),
    ("east-northamptonshire", "East Northamptonshire"),
    ("kettering", "Kettering"),
    ("wellingborough", "Wellingborough"),
    ("daventry", "Daventry"),
    ("northampton", "Northampton"),
    ("south-northamptonshire", "South Northamptonshire"),
    ("outside", "Outside the county"),
    ("not-sure", "I'm not sure"),
]

HATE_STRANDS: list[tuple[str, str]] = [
    ("race", "Race, ethnicity or nationality (including Gypsy, Roma and Traveller)"),
    ("religion", "Religion or belief"),
    ("disability", "Disability"),
    ("sexual-orientation", "Sexual orientation"),
    ("transgender", "Transgender identity"),
    ("sex-gender", "Sex or gender"),
    ("age", "Age"),
    ("subculture", "Alternative subculture"),
    ("other", "Something else"),
    ("not-sure", "I'm not sure"),
]


class ConfigError(RuntimeError):
    """The configuration is missing or unsafe; the app refuses to start."""


DEFAULTS: dict[str, Any] = {
    "SERVICE_NAME": "Report hate crime",
    "AREA_NAME": "Northamptonshire",
    # Where "Exit this page" goes: somewhere neutral that looks ordinary on a shared screen.
    "EXIT_URL": "https://www.bbc.co.uk/weather",
    "DISTRICTS": NORTHAMPTONSHIRE_DISTRICTS,
    "HATE_STRANDS": HATE_STRANDS,
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "SECRET_KEY": None,
    "RECEIPT_PEPPER": None,  # hex, >= 32 bytes; salts every receipt derivation
    "RECEIPT_KDF": crypto.RECEIPT_KDF,
    "PASSWORD_KDF": crypto.PASSWORD_KDF,
    "DRAFT_IDLE_MINUTES": 60,
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
    "PREFERRED_URL_SCHEME": "https",
    "TESTING": False,
}

_KDF_KEYS = ("RECEIPT_KDF", "PASSWORD_KDF")


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
    for key in _KDF_KEYS:
        if not isinstance(config.get(key), crypto.Argon2Params):
            raise ConfigError(f"{key} must be (memory_cost_kib, iterations, lanes).")


def receipt_pepper(config: Mapping[str, Any]) -> bytes:
    return bytes.fromhex(str(config["RECEIPT_PEPPER"]))
