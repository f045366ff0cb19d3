"""Web hardening in one place (ARCHITECTURE.md §7): headers, CSRF, rate limits, proxies.

Each promise here has a test in tests/test_security.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable
from typing import cast

from flask import Flask, Response, abort, current_app, request
from flask.typing import RouteCallable
from flask_limiter import ApplicationLimit, Limiter
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix

from . import crypto, drafts
from .clock import utcnow

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": (
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
        "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
    ),
}

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


# Not HTTP_ names, so no request header can set them.
_NETWORK_KEY_ENVIRON = "reporting.client_network_key"
_DRAFT_KEY_ENVIRON = "reporting.client_draft_key"


def utc_day() -> dt.date:
    return utcnow().date()


def day_key(secret: bytes, day: dt.date) -> bytes:
    """The rate-limit keys' HMAC key for one UTC day.

    There are only 2**24 IPv4 /24 networks: with the instance secret, a key seen in the
    limiter's storage can be traced back to its network by trying them all. A key of the day
    keeps that to the day: keys of different days cannot be linked to each other.
    """
    return hmac.new(secret, b"rate-limit-day:" + day.isoformat().encode(), hashlib.sha256).digest()


def _todays_key() -> bytes:
    keys: dict[dt.date, bytes] = current_app.extensions["reporting.network_day_keys"]
    today = utc_day()
    if today not in keys:
        keys.clear()  # yesterday's key is no longer needed by anyone
        keys[today] = day_key(current_app.extensions["reporting.network_key"], today)
    return keys[today]


def client_network_key() -> str:
    """Rate-limit key: an HMAC of the client's network, so no address reaches storage.

    The network (/24 for IPv4, /64 for IPv6) rather than the address, because one person can
    hold many addresses in a block; the HMAC because limiter storage (Redis) is not ours to
    keep clean of personal data; under a key of the day (``day_key``).
    """
    # Each limit on a request asks (the app-wide one and an endpoint's): work it out once.
    cached: str | None = request.environ.get(_NETWORK_KEY_ENVIRON)
    if cached is not None:
        return cached
    network = "unknown"
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
        prefix = 24 if address.version == 4 else 64
        network = str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    except ValueError:
        pass
    digest = hmac.new(_todays_key(), network.encode(), hashlib.sha256).hexdigest()[:32]
    request.environ[_NETWORK_KEY_ENVIRON] = digest
    return digest


def draft_or_network_key() -> str:
    """Rate-limit key for one reporter: an HMAC of the draft id in their draft cookie.

    Per draft, so one person on a shared library or community-centre network cannot use up
    another's budget; the draft id is random and names a draft, never a person. A request
    without a well-formed draft cookie (the start, staff pages) falls back to the network.
    """
    cached: str | None = request.environ.get(_DRAFT_KEY_ENVIRON)
    if cached is not None:
        return cached
    cookie = drafts.DraftCookie.parse(request.cookies.get(current_app.config["DRAFT_COOKIE_NAME"]))
    if cookie is None:
        key = "network:" + client_network_key()
    else:
        digest = hmac.new(_todays_key(), b"draft:" + cookie.draft_id.encode(), hashlib.sha256)
        key = "draft:" + digest.hexdigest()[:32]
    request.environ[_DRAFT_KEY_ENVIRON] = key
    return key


class SweptMemoryStorage(MemoryStorage):
    """limits' in-process storage (``memory://``) without a thread per request.

    The stock storage starts a 10 ms timer thread to sweep expired entries whenever the last
    one has finished: on a busy worker, a new thread every request or two. No count needs the
    sweep (reading a counter drops it once expired); it only frees keys nobody asks about
    again. Here the same sweep runs in the request that is counting, at most once a second.
    """

    STORAGE_SCHEME = ["reporting-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.next_sweep = time.monotonic() + self.SWEEP_SECONDS

    # Called by MemoryStorage before every change to a count (its name is mangled).
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self.next_sweep:
            self.next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _storage_uri(configured: str) -> str:
    """The limiter's storage: ``memory://`` means :class:`SweptMemoryStorage`."""
    if configured == "memory://":
        return "reporting-memory://"
    return configured


def _everyone() -> str:
    """The one key of a limit that counts every client together."""
    return "everyone"


def _is_not_post() -> bool:
    return request.method != "POST"


def _post_limit() -> str:
    return str(current_app.config["RATELIMIT_POST"])


def _post_network_limit() -> str:
    return str(current_app.config["RATELIMIT_POST_NETWORK"])


def init_app(app: Flask) -> None:
    """Install headers, CSRF, limits and proxy handling on ``app``."""
    (network_key,) = crypto.hkdf_split(
        str(app.config["SECRET_KEY"]).encode(), b"rate-limit-network-v1"
    )
    app.extensions["reporting.network_key"] = network_key
    app.extensions["reporting.network_day_keys"] = {}

    x_for, x_proto = int(app.config["PROXY_FIX_X_FOR"]), int(app.config["PROXY_FIX_X_PROTO"])
    if x_for or x_proto:
        # Exactly as deep as the real proxy chain: trusting more lets a client pick its key.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto)  # type: ignore[method-assign]

    # The limiter's check is registered first, so refused requests (a bad CSRF token
    # included) still spend the budget.
    limiter = Limiter(
        client_network_key,
        app=app,
        # Two budgets for every POST in the app, not one per endpoint: each reporter's (per
        # draft), and a cap on the whole network that stops a flood of fresh drafts. Their own
        # scopes keep the counters apart when a request without a draft is keyed on its network.
        application_limits=[
            ApplicationLimit(_post_limit, key_function=draft_or_network_key, scope="post-draft"),
            ApplicationLimit(
                _post_network_limit, key_function=client_network_key, scope="post-network"
            ),
        ],
        storage_uri=_storage_uri(app.config["RATELIMIT_STORAGE_URI"]),
        headers_enabled=False,
        key_prefix="reporting",
    )
    # Every limit here is on POST (limit_endpoint's too): other methods skip the limiter
    # before it works out which limits apply, which it would otherwise do on every page.
    limiter.request_filter(_is_not_post)
    app.extensions["reporting.limiter"] = limiter
    CSRFProtect(app)  # type: ignore[no-untyped-call]  # Flask-WTF ships no annotations

    if app.config["DEV_HTTP"]:
        app.before_request(_refuse_non_loopback)
    app.after_request(set_security_headers)


def limit_endpoint(
    app: Flask,
    endpoint: str,
    limit: str,
    key_func: Callable[[], str] | None = None,
    *,
    network_limit: str | None = None,
    global_limit: str | None = None,
) -> None:
    """Add stricter POST limits to one endpoint, on top of the app-wide ones.

    ``limit`` counts per ``key_func`` (by default per draft, else per network);
    ``network_limit``, when given, caps the whole client network as well; ``global_limit``
    caps everyone together (one counter, whatever the network: what guessers spread over many
    addresses share).
    """
    limiter: Limiter = app.extensions["reporting.limiter"]
    key = key_func or draft_or_network_key
    limits = [limiter.limit(limit, methods=["POST"], key_func=key, scope="own")]
    if network_limit:
        limits.append(
            limiter.limit(
                network_limit, methods=["POST"], key_func=client_network_key, scope="network"
            )
        )
    if global_limit:
        limits.append(
            limiter.limit(global_limit, methods=["POST"], key_func=_everyone, scope="global")
        )
    view = app.view_functions[endpoint]
    for route_limit in limits:
        # The wrapper keeps the view's signature (Callable[P, R] in, Callable[P, R] out), but
        # mypy cannot solve P and R for RouteCallable, a union of sync and async views.
        view = cast("RouteCallable", route_limit(view))
    app.view_functions[endpoint] = view


def _refuse_non_loopback() -> None:
    # DEV_HTTP drops Secure cookies; only tolerable when nothing leaves this machine.
    host = (
        request.host.rsplit(":", 1)[0]
        if not request.host.startswith("[")
        else (request.host.split("]")[0] + "]")
    )
    remote_ok = False
    try:
        remote_ok = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        pass
    if host not in LOOPBACK_HOSTS or not remote_ok:
        abort(400, description="Development mode serves 127.0.0.1 only.")


_SECURITY_HEADERS_LOWER = [(name.lower(), name, value) for name, value in SECURITY_HEADERS.items()]


def set_security_headers(response: Response) -> Response:
    """Set the hardening headers on every response.

    A header the view set already is kept, except Cache-Control and Pragma on anything but a
    static file: those are always replaced. The response's headers are looked through once
    (each ``setdefault`` would look through them all again).
    """
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    for lower, name, value in _SECURITY_HEADERS_LOWER:
        if lower not in present:
            headers.add(name, value)
    if request.endpoint != "static":
        # Report data must not survive in a shared device's cache or history snapshots.
        for name, value in (("Cache-Control", "no-store"), ("Pragma", "no-cache")):
            if name.lower() in present:
                headers.set(name, value)
            else:
                headers.add(name, value)
    return response
