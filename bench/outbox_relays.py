"""Several outbox relays over one PostgreSQL outbox, as several worker processes run them, against
one relay alone: how fast the outbox drains, and how many events reach Kafka more than once.

    python -m bench outbox_relays --events 5000 --relays 3

Three scenarios on the same events, each on a fresh outbox and topic: one relay (the baseline);
N relays electing one holder of the advisory lock (what workers do now); N relays with the
election switched off (what every worker did before issue 17: each sends every unsent row).
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition

from bench.common import (
    Broker,
    Measurement,
    Timing,
    kafka_broker,
    machine_description,
    postgres_scratch_database,
    results_table,
    with_ratios,
    write_results,
)
from shared.db import add_plumbing_tables, make_engine
from shared.events import encode, new_envelope
from shared.kafka import make_producer
from shared.outbox import OutboxRelay

NAME = "outbox_relays"
ONE = "one relay"


class BenchmarkError(RuntimeError):
    """A run that lost an event: no figure is written from it."""


def fill(engine: sa.Engine, outbox: sa.Table, topic: str, events: int, campaigns: int) -> None:
    """`events` unsent rows, round-robin over `campaigns` keys, committed in one transaction."""
    keys = [uuid.uuid4() for _ in range(campaigns)]
    now = datetime.now(UTC)
    rows = []
    for number in range(events):
        # A small event keyed like any other (by the account here, by the campaign elsewhere).
        envelope = new_envelope(
            "account.revoked",
            {"account_id": keys[number % campaigns], "reason": "bench"},
            producer="bench",
            campaign_id=None,
        )
        rows.append(
            {
                "event_id": envelope.event_id,
                "topic": topic,
                "key": envelope.key,
                "value": encode(envelope),
                "created_at": now,
            }
        )
    with engine.begin() as connection:
        connection.execute(outbox.insert(), rows)


def unsent(engine: sa.Engine, outbox: sa.Table) -> int:
    with engine.connect() as connection:
        query = sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))
        return int(connection.execute(query).scalar_one())


def messages_on(broker: Broker, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def drain(
    broker: Broker, url: str, relays: int, events: int, batch: int, elect: bool
) -> tuple[Timing, int]:
    """Time `relays` relays (threads, each with its producer and sessions) emptying an outbox of
    `events` rows; returns the timing and how many messages reached the topic."""
    metadata = sa.MetaData()
    suffix = uuid.uuid4().hex[:8]
    tables = add_plumbing_tables(metadata)
    outbox = tables["outbox"].to_metadata(sa.MetaData(), name=f"outbox_{suffix}")
    engine = make_engine(url)
    outbox.create(engine)
    topic = broker.new_topic("relays")
    fill(engine, outbox, topic, events, campaigns=50)
    stop = threading.Event()
    producers = [make_producer(broker.bootstrap_servers) for _ in range(relays)]
    running = [OutboxRelay(engine, outbox, producer, batch_size=batch) for producer in producers]
    if not elect:
        for relay in running:
            relay._lock = None  # noqa: SLF001  (the behaviour before the election, to compare)
    threads = [
        threading.Thread(target=relay.run, args=(stop,), kwargs={"idle_wait": 0.01})
        for relay in running
    ]
    timing = Timing()
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    while unsent(engine, outbox):
        time.sleep(0.005)
    timing.wall, timing.cpu = time.perf_counter() - started, time.process_time() - cpu
    stop.set()
    for thread in threads:
        thread.join(30)
    for producer in producers:
        producer.close(timeout=10)
    received = messages_on(broker, topic)
    outbox.drop(engine)
    engine.dispose()
    if received < events:
        raise BenchmarkError(f"{events} events written, {received} reached Kafka")
    return timing, received


@click.command(name=NAME)
@click.option("--events", default=5_000, show_default=True, help="Outbox rows to drain.")
@click.option("--relays", default=3, show_default=True, help="Relays running at once.")
@click.option("--batch", default=500, show_default=True, help="Each relay's batch size.")
@click.option("--repeats", default=3, show_default=True)
def command(events: int, relays: int, batch: int, repeats: int) -> None:
    """Drain one PostgreSQL outbox with one relay, and with several (elected, and not)."""
    elected, unelected = f"{relays} relays, one elected", f"{relays} relays, no election (before)"
    with postgres_scratch_database() as url, kafka_broker() as broker:
        if url is None:
            raise click.ClickException("this benchmark needs PostgreSQL")
        plan = [(ONE, 1, True), (elected, relays, True), (unelected, relays, False)]
        timings: dict[str, list[Timing]] = {name: [] for name, _, _ in plan}
        sent: dict[str, list[int]] = {name: [] for name, _, _ in plan}
        for repeat in range(repeats):
            # Each repeat starts with another scenario, so none always runs first (cold).
            shift = repeat % len(plan)
            for name, count, elect in plan[shift:] + plan[:shift]:
                timing, received = drain(broker, url, count, events, batch, elect)
                timings[name].append(timing)
                sent[name].append(received)
        measurements = [
            Measurement(
                name, events, tuple(timings[name]), "plumbing", None if name == ONE else ONE
            )
            for name, _, _ in plan
        ]
        results: list[dict[str, Any]] = with_ratios(measurements)
        for result in results:
            copies = sent[result["name"]]
            result["messages_sent"] = copies
            result["duplicates_per_event"] = round((sum(copies) / len(copies) - events) / events, 3)
        with tempfile.TemporaryDirectory() as scratch:  # SQLite's settings are probed there
            machine = machine_description(url, Path(scratch))
    document = {
        "benchmark": NAME,
        "settings": {"events": events, "relays": relays, "batch": batch, "repeats": repeats},
        "machine": machine,
        "results": results,
    }
    path = write_results(NAME, document)
    click.echo(results_table(results))
    for result in results:
        click.echo(f"{result['name']}: {result['duplicates_per_event']} duplicates per event")
    click.echo(f"results: {path}")
