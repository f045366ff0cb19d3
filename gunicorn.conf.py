"""Gunicorn settings for this service; `make run` uses them, and so should a deployment.

    gunicorn --config gunicorn.conf.py --bind 127.0.0.1:8000 wsgi:app

Gunicorn also reads this file by itself when started from the repository root.

- Processes: with rate limits on memory:// (the default), one worker process with threads, so
  every limit is counted exactly once; several processes are refused. With shared storage
  (REPORTING_RATELIMIT_STORAGE_URI=redis://...), two processes per core (WEB_CONCURRENCY
  overrides).
- Logs: no access log, and an error log in which no client address, path or query string
  appears (reporting/serving.py).
"""

from __future__ import annotations

import os

from reporting import serving

# Reading the configuration here also refuses to start, before any worker, without secrets.
_storage_uri = serving.configured_storage_uri()
_processes = serving.worker_settings(_storage_uri, os.cpu_count() or 1)

workers = int(os.environ.get("WEB_CONCURRENCY") or _processes["workers"])
worker_class = _processes["worker_class"]
threads = _processes["threads"]

accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
logger_class = serving.PrivateLogger
# Nothing here uses gunicorn's control socket, and two servers on one machine would share its
# default path.
control_socket_disable = True


def on_starting(server) -> None:  # type: ignore[no-untyped-def]
    # Whatever the command line or the environment asked for.
    serving.check_process_model(server.cfg.workers, _storage_uri)
