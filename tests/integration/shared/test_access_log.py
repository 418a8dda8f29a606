"""The access log of the served apps: a request line per request, and never a link token, be it
in a query string, a referrer or a path."""

from __future__ import annotations

import datetime
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from gunicorn.config import Config
from werkzeug.test import EnvironBuilder

from infra.broker import find_free_port
from shared.web.access_log import LOGGED_PATH, AccessLog
from tests.factories import make_app

TOKEN = "Zm9yLXRoZS1sb2ctdGVzdC1vbmx5LW5vdC1hLXJlYWwtbGluay10b2tlbg"


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The site as `fundtrail serve site` runs it (gunicorn), on a free port."""
    port = find_free_port()
    env = {
        **os.environ,
        "FUNDTRAIL_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).parents[3]),
    }
    # As a context, the process's pipe is closed even when the fixture fails: left to the
    # garbage collector, it warned in whichever test of this worker came next.
    with subprocess.Popen(
        [sys.executable, "-m", "services", "serve", "site", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as server:
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    requests.get(f"{url}/login", timeout=1)
                    break
                # gunicorn's master listens before its worker has loaded the app: on a loaded
                # machine the first request waits in the backlog longer than its read timeout.
                except (requests.ConnectionError, requests.Timeout):
                    assert server.poll() is None and time.monotonic() < deadline, "no site"
                    time.sleep(0.1)
            yield url, server
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)


def test_the_served_sites_log_names_each_request_without_its_link_token(
    served_site: tuple[str, subprocess.Popen[str]],
) -> None:
    url, server = served_site
    opened = requests.get(f"{url}/reset-password?token={TOKEN}", timeout=5)
    confirm = requests.get(f"{url}/verify", params={"token": TOKEN, "x": "1"}, timeout=5)
    style = requests.get(
        f"{url}/static/site.css",
        headers={"Referer": f"{url}/reset-password?token={TOKEN}#top"},
        timeout=5,
    )
    assert (opened.status_code, confirm.status_code, style.status_code) == (200, 200, 200)

    server.send_signal(signal.SIGTERM)
    output, _ = server.communicate(timeout=20)

    requests_logged = [line for line in output.splitlines() if '"GET /' in line]
    assert any('"GET /reset-password HTTP/1.1" 303' in line for line in requests_logged), output
    assert any('"GET /verify HTTP/1.1" 303' in line for line in requests_logged), output
    assert any(f'"{url}/reset-password"' in line for line in requests_logged), output
    assert TOKEN not in output


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_token_in_a_services_path_is_logged_redacted(tmp_path: Path) -> None:
    app = make_app("pledges", f"sqlite:///{tmp_path / 'pledges.db'}", tmp_path)
    # The environ gunicorn hands the app and then logs (the test client would log a copy).
    environ = EnvironBuilder(
        f"/api/v1/password-resets/{TOKEN}?again=1",
        method="POST",
        json={"password": "a sentence only I would write"},
        headers={"Referer": f"https://site.example/reset-password?token={TOKEN}"},
    ).get_environ()
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses[0].startswith(("400", "404", "410")), body
    config = Config()
    config.set("accesslog", "-")
    logger = AccessLog(config)
    captured = _Captured()
    logger.access_log.addHandler(captured)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status=statuses[0], headers=[], sent=len(body))

    logger.access(response, request, environ, datetime.timedelta(milliseconds=3))

    [line] = captured.lines
    assert "POST /api/v1/password-resets/[redacted] HTTP/1.1" in line
    assert '"https://site.example/reset-password" ' in line
    assert TOKEN not in line and "again" not in line


def test_a_token_in_a_path_asked_with_the_wrong_method_is_redacted_too(tmp_path: Path) -> None:
    app = make_app("pledges", f"sqlite:///{tmp_path / 'pledges.db'}", tmp_path)
    environ = EnvironBuilder(f"/api/v1/password-resets/{TOKEN}", method="GET").get_environ()
    statuses: list[str] = []
    b"".join(app(environ, lambda status, headers: statuses.append(status)))

    assert statuses[0].startswith("405")
    assert environ[LOGGED_PATH] == "/api/v1/password-resets/[redacted]"
