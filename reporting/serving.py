"""How gunicorn serves the app (``gunicorn.conf.py``): processes, and logs that keep no client data.

Rate limits on ``memory://`` are counted inside one process, so that storage is served by one
worker process with threads: several processes would each count on their own, and a limit of
10 would let 10 through per process. More processes need shared storage (Redis).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import traceback
from collections.abc import Mapping
from typing import TypedDict

from flask import Flask
from gunicorn import glogging
from gunicorn.config import Config
from gunicorn.http import Request
from gunicorn.http.wsgi import Response

from . import config, instance_path

THREADS = 8


class ProcessModelError(RuntimeError):
    """Several worker processes would each count rate limits on their own."""


def configured_storage_uri() -> str:
    """The rate-limit storage this instance is configured with (every layer, secrets checked)."""
    app = Flask("reporting", instance_path=instance_path(), instance_relative_config=True)
    config.load_config(app, None)
    return str(app.config["RATELIMIT_STORAGE_URI"])


def counts_per_process(storage_uri: str) -> bool:
    return storage_uri.startswith("memory://")


class WorkerSettings(TypedDict):
    workers: int
    worker_class: str
    threads: int


def worker_settings(storage_uri: str, cpu_count: int) -> WorkerSettings:
    """Workers and threads: one process on per-process storage, else two per core."""
    if counts_per_process(storage_uri):
        return {"workers": 1, "worker_class": "gthread", "threads": THREADS}
    return {"workers": max(2, 2 * cpu_count), "worker_class": "gthread", "threads": 4}


def check_process_model(workers: int, storage_uri: str) -> None:
    """Refuse to serve memory:// rate limits from several processes."""
    if workers > 1 and counts_per_process(storage_uri):
        raise ProcessModelError(
            f"{workers} worker processes with rate limits on memory:// would each count on "
            "their own, letting through several times every limit. Serve with one worker "
            "(this configuration's default: it uses threads), or set "
            "REPORTING_RATELIMIT_STORAGE_URI to shared storage (redis://...)."
        )


# Messages gunicorn logs about a request in hand: they may quote its address, request line
# (path and query string) or headers. Only their fixed opening words are kept.
_REQUEST_MESSAGES = (
    "Invalid request from",
    "Error handling request",
    "Socket error processing request",
    "Ignored premature client disconnection",
    "Closing connection.",
    "Exception in post_request hook",
    "HTTP/2",
)
_ADDRESS = re.compile(
    r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"  # IPv4
    r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])"  # IPv6
)


class PrivateLogFilter(logging.Filter):
    """Rewrite gunicorn's error-log records so that no address, path or query reaches a log.

    A request-related record keeps its opening words and, for an exception, the type and the
    stack without the message (which can quote the request). Any other record keeps its text
    with every IP address replaced (a bound address included: the log cannot tell them apart).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        template = record.msg if isinstance(record.msg, str) else ""
        request_record = template.startswith(_REQUEST_MESSAGES)
        if request_record:
            text = re.split(r"[%{:]", template, maxsplit=1)[0].strip()
            if template.startswith("Invalid request from"):
                text = "Refused a malformed or oversized request"
            text += " (its address and request line are not logged)"
        else:
            text = _ADDRESS.sub("[address]", record.getMessage())
        if record.exc_info and record.exc_info[0] is not None:
            kind, error, stack = record.exc_info
            if request_record:
                detail = kind.__name__ + "\n" + "".join(traceback.format_tb(stack))
            else:
                detail = _ADDRESS.sub(
                    "[address]", "".join(traceback.format_exception(kind, error, stack))
                )
            text = f"{text}\n{detail.rstrip()}"
        record.msg, record.args = text, None
        record.exc_info, record.exc_text = None, None
        return True


class PrivateLogger(glogging.Logger):
    """Gunicorn's logger with no access log at all and a filtered error log."""

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        if not any(isinstance(f, PrivateLogFilter) for f in self.error_log.filters):
            self.error_log.addFilter(PrivateLogFilter())

    def access(
        self,
        resp: Response,
        req: Request,
        environ: Mapping[str, object],
        request_time: dt.timedelta,
    ) -> None:
        """Never: an access line holds the client's address, path and query string."""
