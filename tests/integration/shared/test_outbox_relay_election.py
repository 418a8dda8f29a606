"""Several relays over one PostgreSQL outbox, as several worker processes run them: one relays at a
time, a kill -9 of that one hands over to another, and every event arrives, each key in order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer

from shared.db import UnitOfWork, add_plumbing_tables, make_engine
from shared.events import Envelope, decode, new_envelope

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

ROOT = Path(__file__).parents[3]

# A relay as a worker process runs it (shared/worker.py), small batches so a kill lands mid-way.
RELAY = """
import signal, sys, threading
import sqlalchemy as sa
from shared.db import add_plumbing_tables, make_engine
from shared.kafka import make_producer
from shared.outbox import OutboxRelay
url, kafka = sys.argv[1:3]
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
tables = add_plumbing_tables(sa.MetaData())
producer = make_producer(kafka)
OutboxRelay(make_engine(url), tables["outbox"], producer, batch_size=10).run(stop, idle_wait=0.05)
producer.close(timeout=5)
"""

BATCH_SIZE = 10


@pytest.fixture
def outbox(postgres_url: str) -> Iterator[tuple[sa.Engine, dict[str, sa.Table]]]:
    metadata = sa.MetaData()
    tables = add_plumbing_tables(metadata)
    engine = make_engine(postgres_url)
    metadata.create_all(engine)
    yield engine, tables
    engine.dispose()


@pytest.fixture
def relays(
    postgres_url: str, kafka_bootstrap: str
) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        # The session's application_name tells which relay holds the lock (pg_stat_activity).
        url = sa.make_url(postgres_url).update_query_dict({"application_name": name})
        address = url.render_as_string(hide_password=False)
        process = subprocess.Popen(
            [sys.executable, "-c", RELAY, address, kafka_bootstrap],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def holders(engine: sa.Engine) -> list[str]:
    """The application names of the sessions holding an advisory lock in this database."""
    query = sa.text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.database ="
        " (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with engine.connect() as connection:
        return sorted(connection.execute(query).scalars())


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def unsent(engine: sa.Engine, outbox: sa.Table) -> int:
    with engine.connect() as connection:
        query = sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))
        return int(connection.execute(query).scalar_one())


def write(
    engine: sa.Engine,
    tables: dict[str, sa.Table],
    topic: str,
    keys: list[uuid.UUID],
    count: int,
    written: list[Envelope],
) -> None:
    """Commit `count` events, one a transaction, round-robin over `keys`, as the API would."""
    for number in range(count):
        envelope = new_envelope(
            "account.revoked",
            {"account_id": keys[number % len(keys)], "reason": "test"},
            producer="test",
            campaign_id=None,
        )
        with UnitOfWork(engine, tables, producer="test") as uow:
            uow.publish(topic, envelope)
            uow.commit()
        written.append(envelope)
        time.sleep(0.005)


def received(kafka: str, topic: str) -> list[Envelope]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
        group_id=None,
    )
    try:
        return [decode(message.value) for message in consumer]
    finally:
        consumer.close()


def first_arrivals(events: list[Envelope], key: uuid.UUID) -> list[uuid.UUID]:
    """The event ids of `key` in the order they first arrived (consumers drop the repeats)."""
    seen: dict[uuid.UUID, None] = {}
    for event in events:
        if event.key == str(key):
            seen.setdefault(event.event_id)
    return list(seen)


def test_one_relay_relays_at_a_time_and_another_takes_over_from_a_killed_one(
    outbox: tuple[sa.Engine, dict[str, sa.Table]],
    relays: Callable[[str], subprocess.Popen[bytes]],
    kafka_bootstrap: str,
    topic: str,
) -> None:
    engine, tables = outbox
    processes = {name: relays(name) for name in ("relay-a", "relay-b", "relay-c")}
    wait_for(lambda: len(holders(engine)) == 1)
    first_holder = holders(engine)[0]
    keys = [uuid.uuid4() for _ in range(5)]
    written: list[Envelope] = []

    # Three relays running, nobody dies: each event is sent exactly once.
    write(engine, tables, topic, keys, 100, written)
    wait_for(lambda: unsent(engine, tables["outbox"]) == 0)
    assert holders(engine) == [first_holder]
    quiet = received(kafka_bootstrap, topic)
    assert sorted(e.event_id for e in quiet) == sorted(e.event_id for e in written)

    # The holder is killed mid-stream: another takes the lock over and sends the rest.
    writer = threading.Thread(
        target=write, args=(engine, tables, topic, keys, 200, written), daemon=True
    )
    writer.start()
    wait_for(lambda: len(written) >= 140)
    processes[first_holder].send_signal(signal.SIGKILL)
    processes[first_holder].wait(10)
    writer.join(60)
    wait_for(lambda: unsent(engine, tables["outbox"]) == 0)
    successor = holders(engine)
    assert len(successor) == 1 and successor[0] != first_holder

    events = received(kafka_bootstrap, topic)
    ids = [e.event_id for e in events]
    lost = len({e.event_id for e in written} - set(ids))
    duplicated = len(ids) - len(set(ids))
    print(f"relays=3 written={len(written)} killed=1 lost={lost} duplicated={duplicated}")
    assert lost == 0
    # Only what the killed relay had sent and not yet marked can go twice: at most a batch.
    assert duplicated <= BATCH_SIZE
    for key in keys:
        assert first_arrivals(events, key) == [e.event_id for e in written if e.key == str(key)]

    # A relay told to stop lets the lock go at once, and the last one standing takes it.
    successor_process = processes[successor[0]]
    successor_process.send_signal(signal.SIGTERM)
    assert successor_process.wait(10) == 0
    wait_for(lambda: holders(engine) not in ([], successor), timeout=10)
    for process in processes.values():
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            assert process.wait(10) == 0
    wait_for(lambda: holders(engine) == [], timeout=10)
