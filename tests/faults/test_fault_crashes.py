"""R3, R4, R5: a worker killed with -9 at the worst moments, on PostgreSQL and a real broker.

Each kill is a real SIGKILL of a real process (`crashing_worker.py`): no `finally`, no flush,
no clean-up runs. What it left behind is then finished by a fresh relay or consumer, as the
supervisor's restart would, and every event must have taken effect exactly once.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from shared.db import make_engine
from shared.kafka import make_producer
from shared.outbox import OutboxRelay
from tests.faults.fault_support import (
    TABLES,
    account_of,
    consume_until,
    create_plumbing,
    effect_accounts,
    lost_and_duplicated,
    pipeline_consumer,
    revocation,
    send_events,
    unsent_rows,
    write_outbox,
)

pytestmark = pytest.mark.kafka

REPO = Path(__file__).parents[2]


@pytest.fixture
def engine(postgres_url: str) -> Any:
    engine = make_engine(postgres_url)
    create_plumbing(engine)
    yield engine
    engine.dispose()


def run_until_killed(
    mode: str, database_url: str, kafka: str, topic: str, group: str, n: int = 0
) -> None:
    """Run the crashing worker and insist it died of SIGKILL where it was told to."""
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.faults.crashing_worker",
            mode,
            database_url,
            kafka,
            topic,
            group,
            str(n),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == -signal.SIGKILL, (finished.returncode, finished.stderr[-2000:])
    assert finished.stdout.startswith("ready")


def test_r3_killed_between_the_database_commit_and_the_publish(
    engine: sa.Engine,
    postgres_url: str,
    kafka_bootstrap: str,
    topic: str,
    report: Callable[..., Any],
) -> None:
    written = write_outbox(engine, topic, 50)
    # The relay publishes the first 20 (acked) and dies before marking them sent; the other 30
    # were committed by their requests and never published.
    run_until_killed("after-publish", postgres_url, kafka_bootstrap, topic, "unused", n=20)
    assert unsent_rows(engine) == 50

    producer = make_producer(kafka_bootstrap)
    relay = OutboxRelay(engine, TABLES["outbox"], producer, batch_size=20)
    try:
        # Until the outbox is empty, not until a round sends nothing: where relays elect a
        # holder, the dead process's claim lasts until PostgreSQL has noticed it is gone.
        deadline = time.monotonic() + 60
        while unsent_rows(engine) > 0:
            assert time.monotonic() < deadline, "the fresh relay never finished the outbox"
            if not relay.relay_once():
                time.sleep(0.2)
    finally:
        producer.close(timeout=5)
    assert unsent_rows(engine) == 0

    handled = consume_until(
        kafka_bootstrap,
        topic,
        engine,
        f"fault-{uuid.uuid4().hex[:8]}",
        lambda _: len(effect_accounts(engine)) >= 50,
        timeout=60,
    )
    lost, duplicated = lost_and_duplicated(map(account_of, written), effect_accounts(engine))
    report(
        3,
        "kill -9 between the database commit and the publish",
        produced=50,
        faults=1,
        lost=lost,
        duplicated=duplicated,
        published_twice=handled - 50,
    )
    assert handled - 50 == 20  # the acked but unmarked batch went again, and was dropped


def test_r4_killed_between_the_database_commit_and_the_offset_commit(
    engine: sa.Engine,
    postgres_url: str,
    kafka_bootstrap: str,
    topic: str,
    report: Callable[..., Any],
) -> None:
    sent = [revocation() for _ in range(40)]
    send_events(kafka_bootstrap, topic, sent)
    group = f"fault-{uuid.uuid4().hex[:8]}"
    run_until_killed("before-offset-commit", postgres_url, kafka_bootstrap, topic, group)
    committed_before_kill = len(effect_accounts(engine))
    assert committed_before_kill > 0  # the database had committed a batch

    # The restarted consumer, in the same group, gets the batch again: the offsets never went.
    handled = consume_until(
        kafka_bootstrap, topic, engine, group, lambda handled: handled >= 40, timeout=90
    )
    # Committed now: the next member of the group has nothing to do.
    after = pipeline_consumer(kafka_bootstrap, topic, engine, group)
    try:
        left_over = sum(after.poll_once(timeout_ms=500) for _ in range(4))
    finally:
        after.close()
    lost, duplicated = lost_and_duplicated(map(account_of, sent), effect_accounts(engine))
    report(
        4,
        "kill -9 between the database commit and the offset commit",
        produced=40,
        faults=1,
        lost=lost,
        duplicated=duplicated,
        redelivered=committed_before_kill,
    )
    assert handled >= 40 and left_over == 0


def test_r5_consumer_killed_during_a_batch(
    engine: sa.Engine,
    postgres_url: str,
    kafka_bootstrap: str,
    topic: str,
    report: Callable[..., Any],
) -> None:
    sent = [revocation() for _ in range(50)]
    send_events(kafka_bootstrap, topic, sent)
    group = f"fault-{uuid.uuid4().hex[:8]}"
    run_until_killed("mid-batch", postgres_url, kafka_bootstrap, topic, group, n=20)
    # The batch the kill interrupted left nothing: its transaction died with the process.
    left_by_the_kill = len(effect_accounts(engine))
    assert left_by_the_kill < 20

    consume_until(
        kafka_bootstrap,
        topic,
        engine,
        group,
        lambda _: len(effect_accounts(engine)) >= 50,
        timeout=90,
    )
    lost, duplicated = lost_and_duplicated(map(account_of, sent), effect_accounts(engine))
    report(
        5,
        "consumer killed during a batch",
        produced=50,
        faults=1,
        lost=lost,
        duplicated=duplicated,
        committed_before_kill=left_by_the_kill,
    )
