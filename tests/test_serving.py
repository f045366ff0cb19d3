"""The app as `make run` serves it: the real gunicorn with the shipped gunicorn.conf.py.

Each test starts gunicorn on a free 127.0.0.1 port with a temporary instance folder and fast
test settings (REPORTING_* variables), talks to it over a socket, and stops it.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reporting import ROOT, crypto
from reporting.serving import PrivateLogFilter, worker_settings

from .helpers import PEPPER, SECRET_KEY, csrf_token

GUNICORN = Path(sys.executable).parent / "gunicorn"
_KDF = crypto.FAST_TEST_KDF
FAST_KDF = json.dumps([_KDF.memory_cost_kib, _KDF.iterations, _KDF.lanes])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text()

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def _environment(instance: Path, settings: Mapping[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REPORTING_", "GUNICORN_")) and k != "WEB_CONCURRENCY"
    }
    env.update(
        {
            "REPORTING_INSTANCE_PATH": str(instance),
            "REPORTING_SECRET_KEY": SECRET_KEY,
            "REPORTING_RECEIPT_PEPPER": PEPPER,
            "REPORTING_DEV_HTTP": "true",  # as `make run` serves
            "REPORTING_RECEIPT_KDF": FAST_KDF,
            "REPORTING_PASSWORD_KDF": FAST_KDF,
            "REPORTING_ALLOW_TEST_KDF": "true",
            **settings,
        }
    )
    return env


def _launch(instance: Path, settings: Mapping[str, str], *extra: str) -> Server:
    port = _free_port()
    log = instance / f"gunicorn-{port}.log"
    command = [str(GUNICORN), "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, *extra, "wsgi:app"],
            cwd=ROOT,
            env=_environment(instance, settings),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Server(port, process, log)


@pytest.fixture
def serve(tmp_path: Path, migrated_sqlite: Path) -> Iterator[object]:
    """Start gunicorn as `make run` does; wait until it answers."""
    shutil.copyfile(migrated_sqlite, tmp_path / "reporting.sqlite3")
    servers: list[Server] = []

    def start(**settings: str) -> Server:
        server = _launch(tmp_path, settings)
        servers.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.process.poll() is None, server.log.read_text()
            try:
                if Browser(server.port).request("GET", "/")[0] == 200:
                    return server
            except OSError:
                time.sleep(0.1)
        pytest.fail("gunicorn did not answer within 60 s:\n" + server.log.read_text())

    yield start
    for server in servers:
        server.stop()


@dataclass
class Browser:
    """Just enough of a browser: cookies, forms, no redirects followed."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: Mapping[str, str] | None = None
    ) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in header:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response.status, text

    def post_form(self, path: str, data: Mapping[str, str]) -> tuple[int, str]:
        status, page = self.request("GET", path)
        assert status == 200, (path, status)
        return self.request("POST", path, {"csrf_token": csrf_token(page), **data})


def test_make_run_serving_counts_every_limit_exactly_once(serve) -> None:
    """`make run` served 2 processes on memory://, so '10 per hour' let 12 through."""
    limit = 5
    server = serve(REPORTING_RATELIMIT_POST=f"{limit} per hour")
    assert len(server.worker_pids()) == 1  # one process (with threads) holds every counter
    person = Browser(server.port)
    status, page = person.request("GET", "/")
    assert person.request("POST", "/start", {"csrf_token": csrf_token(page)})[0] == 302
    statuses = [person.post_form("/report/danger", {"danger": "no"})[0] for _ in range(limit + 1)]
    assert statuses == [303] * limit + [429]
    status, refused = person.request("POST", "/report/danger", {"danger": "no"})
    assert status == 429
    assert "Wait 60 minutes, then continue your report" in refused
    assert "back" not in refused.lower()


def test_the_shipped_config_refuses_several_processes_on_memory_storage(
    tmp_path: Path,
) -> None:
    for extra, settings in ((["--workers", "3"], {}), ([], {"WEB_CONCURRENCY": "2"})):
        server = _launch(tmp_path, settings, *extra)
        assert server.process.wait(timeout=60) != 0
        log = server.log.read_text()
        assert "rate limits on memory:// would each count on their own" in log
        assert "Booting worker" not in log


def test_gunicorn_logs_no_client_address_path_or_query(serve) -> None:
    server = serve()
    exchanges = [
        b"GET /no-such-page?SECRETQUERY=1 HTTP/1.1 surplus\r\nHost: x\r\n\r\n",  # malformed
        b"GET /" + b"p" * 9000 + b"?LONGQUERY=1 HTTP/1.1\r\nHost: x\r\n\r\n",  # too long
        b"FETCH\x01 /SECRETPATH HTTP/1.1\r\n\r\n",  # bad method
    ]
    for raw in exchanges:
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
            sock.sendall(raw)
            reply = sock.recv(65536)
        assert reply.startswith(b"HTTP/1.1 4"), reply[:100]
    browser = Browser(server.port)
    assert browser.request("GET", "/?QUERYTOKEN=abc")[0] == 200
    assert browser.request("GET", "/staff/invitation/PATHTOKEN?x=QUERYTOKEN2")[0] == 404
    log = server.stop()
    assert "Refused a malformed or oversized request" in log  # the refusals are logged...
    for secret in ("127.0.0.1", "SECRET", "LONGQUERY", "QUERYTOKEN", "PATHTOKEN", "ppppp"):
        assert secret not in log, secret  # ...but nothing they said, nor who sent them


def test_the_log_filter_keeps_the_stack_but_not_what_the_request_said() -> None:
    said = "the request said /report?secret=1 from 192.0.2.1"
    try:
        raise ValueError(said)  # the stack shows this line, not the message
    except ValueError:
        record = logging.LogRecord(
            "gunicorn.error",
            logging.ERROR,
            __file__,
            1,
            "Error handling request %s %s",
            ("GET", "/staff/invitation/TOKEN?q=1"),
            sys.exc_info(),
        )
    assert PrivateLogFilter().filter(record)
    text = logging.Formatter().format(record)
    assert text.startswith("Error handling request (its address and request line")
    assert "ValueError" in text and "test_serving.py" in text
    assert "TOKEN" not in text and "secret" not in text and "192.0.2.1" not in text
    other = logging.LogRecord(
        "gunicorn.error", logging.INFO, __file__, 1, "Listening at: %s", ("http://[::1]:80",), None
    )
    PrivateLogFilter().filter(other)
    assert other.getMessage() == "Listening at: http://[[address]]:80"


def test_shared_storage_is_served_by_several_processes() -> None:
    assert worker_settings("memory://", 8)["workers"] == 1
    assert worker_settings("redis://127.0.0.1:6379/0", 2) == {
        "workers": 4,
        "worker_class": "gthread",
        "threads": 4,
    }
