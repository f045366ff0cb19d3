"""Web hardening in one place (ARCHITECTURE.md §7): headers, CSRF, rate limits, proxies.

Each promise here has a test in tests/test_security.py.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable

from flask import Flask, Response, abort, current_app, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import crypto

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


def client_network_key() -> str:
    """Rate-limit key: an HMAC of the client's network, so no address reaches storage.

    The network (/24 for IPv4, /64 for IPv6) rather than the address, because one person can
    hold many addresses in a block; the HMAC because limiter storage (Redis) is not ours to
    keep clean of personal data.
    """
    network = "unknown"
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
        prefix = 24 if address.version == 4 else 64
        network = str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    except ValueError:
        pass
    key = current_app.extensions["reporting.network_key"]
    return hmac.new(key, network.encode(), hashlib.sha256).hexdigest()[:32]


def _is_not_post() -> bool:
    return request.method != "POST"


def _post_limit() -> str:
    return str(current_app.config["RATELIMIT_POST"])


def init_app(app: Flask) -> None:
    """Install headers, CSRF, limits and proxy handling on ``app``."""
    (network_key,) = crypto.hkdf_split(
        str(app.config["SECRET_KEY"]).encode(), b"rate-limit-network-v1"
    )
    app.extensions["reporting.network_key"] = network_key

    x_for, x_proto = int(app.config["PROXY_FIX_X_FOR"]), int(app.config["PROXY_FIX_X_PROTO"])
    if x_for or x_proto:
        # Exactly as deep as the real proxy chain: trusting more lets a client pick its key.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto)  # type: ignore[method-assign]

    # The limiter's check is registered first, so refused requests (a bad CSRF token
    # included) still spend the budget.
    limiter = Limiter(
        client_network_key,
        app=app,
        # One budget for every POST in the app, not one per endpoint.
        application_limits=[_post_limit],
        application_limits_exempt_when=_is_not_post,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=False,
        key_prefix="reporting",
    )
    app.extensions["reporting.limiter"] = limiter
    CSRFProtect(app)

    if app.config["DEV_HTTP"]:
        app.before_request(_refuse_non_loopback)
    app.after_request(set_security_headers)


def limit_endpoint(
    app: Flask, endpoint: str, limit: str, key_func: Callable[[], str] | None = None
) -> None:
    """Add a stricter POST limit to one endpoint, on top of the app-wide one."""
    limiter: Limiter = app.extensions["reporting.limiter"]
    view = app.view_functions[endpoint]
    app.view_functions[endpoint] = limiter.limit(limit, methods=["POST"], key_func=key_func)(view)


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


def set_security_headers(response: Response) -> Response:
    """Set the hardening headers on every response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Report data must not survive in a shared device's cache or history snapshots.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
