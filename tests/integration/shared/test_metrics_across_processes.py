"""/metrics of a service served by several processes counts the requests of all of them, whichever
process answers the scrape (prometheus-client's multiprocess mode, which `fundtrail serve
--workers N` turns on)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from infra.broker import find_free_port
from tests.factories import migrate, service_settings

ROOT = Path(__file__).parents[3]
REQUESTS = 30
COUNTED = re.compile(
    r'^http_requests_total\{method="GET",route="/api/v1/log/key",status="200"\} (\S+)$',
    re.MULTILINE,
)

# One process of the app: answers `count` requests, then (if asked) prints a scrape.
PROCESS = """
import pathlib, sys
from tests.factories import make_app
url, var_dir, count, scrape = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "yes"
client = make_app("ledger", url, pathlib.Path(var_dir)).test_client()
for _ in range(count):
    assert client.get("/api/v1/log/key").status_code == 200
if scrape:
    print(client.get("/metrics").get_data(as_text=True))
"""


def test_a_scrape_sums_what_every_process_counted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    migrate("ledger", url)
    service_settings("ledger", url, tmp_path)
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}

    def run(count: int, scrape: bool) -> str:
        argv = [sys.executable, "-c", PROCESS, url, str(tmp_path), str(count), "yes" * scrape]
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    run(10, scrape=False)  # one process, gone by now: its figures stay in the folder
    scraped = run(20, scrape=True)
    found = COUNTED.search(scraped)
    assert found is not None, scraped[:2000]
    assert float(found.group(1)) == 30


def test_serve_with_several_workers_scrapes_them_all(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    migrate("ledger", url)
    service_settings("ledger", url, tmp_path)  # the token key pair the ledger reads
    port = find_free_port()
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(LEDGER_DATABASE_URL=url, FUNDTRAIL_VAR_DIR=str(tmp_path))
    command = [sys.executable, "-m", "services", "serve", "ledger", "--port", str(port)]
    with subprocess.Popen(
        [*command, "--workers", "2", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as server:
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"{base}/healthz", timeout=2)
                    break
                except (requests.ConnectionError, requests.Timeout):
                    assert server.poll() is None and time.monotonic() < deadline, "not serving"
                    time.sleep(0.2)
            # Each on a new connection, so both processes answer some of them.
            answered = [requests.get(f"{base}/api/v1/log/key", timeout=10) for _ in range(REQUESTS)]
            assert all(response.status_code == 200 for response in answered)
            # Every scrape, whichever process answers it, sees all of them; and it is read
            # from the shared files (a single process's registry would add `_created` samples).
            for _ in range(4):
                scraped = requests.get(f"{base}/metrics", timeout=10).text
                found = COUNTED.search(scraped)
                assert found is not None, scraped[:2000]
                assert float(found.group(1)) == REQUESTS
                assert "http_requests_total_created" not in scraped
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
