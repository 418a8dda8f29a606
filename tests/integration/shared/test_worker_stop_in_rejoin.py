"""A worker process restarted after a kill -9 stops promptly at Ctrl-C even while kafka-python is
blocked in the group re-join (issue 17: it took 10 s), on a real broker with real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from shared.worker import STOP_GRACE_SECONDS
from tests.e2e.conftest import start_at_the_end
from tests.factories import migrate, service_settings
from tests.scale_support import group_state, wait_for, worker_env

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).parents[3]


def test_a_restarted_worker_blocked_in_the_group_rejoin_stops_within_its_grace(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    migrate("ledger", url)
    service_settings("ledger", url, tmp_path)  # the token key pair the worker reads
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    group = f"{prefix}.ledger"
    start_at_the_end(kafka_bootstrap, group, ("accounts.events", "pledges.events", "ledger.events"))
    env = worker_env("ledger", url, tmp_path, kafka_bootstrap, prefix)
    command = [sys.executable, "-m", "services", "worker", "ledger"]
    log = (tmp_path / "worker.log").open("wb")

    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: group_state(kafka_bootstrap, group) == ("Stable", 1), timeout=60)
        first.kill()  # kill -9: it leaves no LeaveGroup, so the group waits for its session
        first.wait(10)
        # As the supervisor restarts it: the new member's JoinGroup now waits for the dead one.
        second = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(
                lambda: group_state(kafka_bootstrap, group)[0] == "PreparingRebalance", timeout=30
            )
            time.sleep(0.5)  # well inside the re-join (the dead member's session is 10 s)
            asked_at = time.monotonic()
            second.send_signal(signal.SIGINT)
            code = second.wait(30)
            took = time.monotonic() - asked_at
        finally:
            if second.poll() is None:
                second.kill()
                second.wait(10)
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        log.close()
    print(f"stopped in {took:.2f}s while re-joining (grace {STOP_GRACE_SECONDS}s)")
    assert code == 0
    # The grace, then the producers' exit flush (a second each at most), and no more.
    assert took < STOP_GRACE_SECONDS + 2.5
