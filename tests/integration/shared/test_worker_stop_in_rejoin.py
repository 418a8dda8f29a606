"""A worker process (re)started into a group stops promptly at Ctrl-C even while kafka-python is
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
from kafka import KafkaConsumer

from shared.worker import STOP_GRACE_SECONDS
from tests.e2e.conftest import start_at_the_end
from tests.factories import migrate, service_settings
from tests.scale_support import group_state, wait_for, worker_env

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).parents[3]
TOPICS = ("accounts.events", "pledges.events", "ledger.events")


def test_a_restarted_worker_blocked_in_the_group_rejoin_stops_within_its_grace(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    migrate("ledger", url)
    service_settings("ledger", url, tmp_path)  # the token key pair the worker reads
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    group = f"{prefix}.ledger"
    start_at_the_end(kafka_bootstrap, group, TOPICS)
    # A member that joined and then stopped polling, as a worker does while it handles a long
    # batch (or a dead one, until its session ends): a newcomer's JoinGroup waits for it to
    # rejoin, up to its rebalance timeout (max_poll_interval_ms). Deterministic, unlike waiting
    # for a killed worker's session to run out while the next one starts.
    member = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        session_timeout_ms=10_000,
        max_poll_interval_ms=30_000,
    )
    member.subscribe(list(TOPICS))
    worker: subprocess.Popen[bytes] | None = None
    try:
        wait_for(lambda: member.poll(timeout_ms=200) is not None and member.assignment(), 60)
        env = worker_env("ledger", url, tmp_path, kafka_bootstrap, prefix)
        with (tmp_path / "worker.log").open("wb") as log:
            # As the supervisor restarts one: `fundtrail worker ledger`, joining the group.
            worker = subprocess.Popen(
                [sys.executable, "-m", "services", "worker", "ledger"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: group_state(kafka_bootstrap, group)[0] == "PreparingRebalance", 60)
        time.sleep(0.5)  # inside the re-join: it lasts until the member's 30 s run out
        asked_at = time.monotonic()
        worker.send_signal(signal.SIGINT)
        code = worker.wait(30)
        took = time.monotonic() - asked_at
        still_joining = group_state(kafka_bootstrap, group)[0] == "PreparingRebalance"
    finally:
        if worker is not None and worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
        member.close()
    print(f"stopped in {took:.2f}s while re-joining (grace {STOP_GRACE_SECONDS}s)")
    assert still_joining, "the re-join ended before the worker stopped: nothing was tested"
    assert code == 0
    # The grace, then the producers' exit flush (a second each at most), and no more.
    assert took < STOP_GRACE_SECONDS + 2.5
