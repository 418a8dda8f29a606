"""Throughput of the Kafka plumbing (outbox relay, idempotent consumer) against raw kafka-python.

Every figure of a run comes from one process, one broker and the same events, so each can be read
next to the raw produce/consume ceiling measured minutes apart on the same machine:

    python -m bench kafka_plumbing --events 10000
"""

from __future__ import annotations

import contextlib
import inspect
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from bench.common import (
    TOPIC_PARTITIONS,
    Measurement,
    Timing,
    kafka_broker,
    machine_description,
    postgres_scratch_database,
    results_table,
    with_ratios,
    write_results,
)
from bench.events import CAMPAIGN_CREATED, campaign_events
from bench.kafka_measurements import POLL_RECORDS, POLL_TIMEOUT_MS, Bench, Database
from shared.kafka import make_producer
from shared.outbox import OutboxRelay

NAME = "kafka_plumbing"
#: 20,000 was the plan, but three repeats of it took ten minutes on the 2-CPU machine of
#: docs/benchmarks.md (the per-event consumer dominates); 10,000 takes about four.
DEFAULT_EVENTS = 10_000
DEFAULT_REPEATS = 3
#: The relay's own default, read from its signature so the benchmark follows the product.
DEFAULT_BATCH: int = inspect.signature(OutboxRelay).parameters["batch_size"].default
LARGE_BATCH = 2_000
RAW_PRODUCE = "raw produce"
RAW_CONSUME = "raw consume"


@dataclass(frozen=True)
class Scenario:
    name: str
    measure: Callable[[int], Timing]
    events: int
    #: "ceiling", "plumbing" or "breakdown" (a part of the consumer's work, timed alone).
    group: str
    baseline: str | None = None


def scenarios(bench: Bench, databases: list[Database], large_batch: int) -> list[Scenario]:
    every, some = bench.count, bench.breakdown_count
    planned = [
        Scenario(RAW_PRODUCE, bench.raw_produce, every, "ceiling"),
        Scenario(RAW_CONSUME, bench.raw_consume, every, "ceiling"),
        Scenario("decode only (no Kafka, no DB)", bench.decode_only, some, "breakdown"),
        Scenario(
            "compiled decode + typed event (no Kafka, no DB)",
            bench.compiled_decode_only,
            some,
            "breakdown",
        ),
    ]
    for db in databases:
        for batch in dict.fromkeys((DEFAULT_BATCH, large_batch)):
            name = f"outbox relay, {db.name}, batch {batch}"
            relay = bench.outbox_relay(db, batch)
            planned.append(Scenario(name, relay, every, "plumbing", RAW_PRODUCE))
        no_flush = bench.transactions_only(db, flush_each_commit=False)
        planned += [
            Scenario(f"consumer, {db.name}", bench.consumer(db), every, "plumbing", RAW_CONSUME),
            Scenario(
                f"EventConsumer.handle, {db.name} (no Kafka)",
                bench.handle_without_kafka(db),
                some,
                "breakdown",
            ),
            Scenario(
                f"handler transactions, {db.name} (no Kafka, no decode)",
                bench.transactions_only(db),
                some,
                "breakdown",
            ),
            Scenario(
                f"handler transactions, {db.name}, {db.no_flush_setting} (no Kafka, no decode)",
                no_flush,
                some,
                "breakdown",
            ),
        ]
    return planned


def run(
    events: int, breakdown_events: int, repeats: int, large_batch: int, use_postgres: bool
) -> dict[str, Any]:
    """Measure every scenario `repeats` times, repeats outermost so drift spreads evenly."""
    began = time.perf_counter()
    started_at = datetime.now(UTC)
    load_before = [round(load, 2) for load in os.getloadavg()]
    postgres = postgres_scratch_database() if use_postgres else contextlib.nullcontext(None)
    with (
        tempfile.TemporaryDirectory(prefix="fundtrail-bench-plumbing-") as scratch,
        postgres as postgres_url,
    ):
        if not use_postgres:
            print("note: --no-postgres given; PostgreSQL figures are skipped")
        databases = [
            Database(
                "SQLite",
                lambda: f"sqlite:///{Path(scratch) / uuid.uuid4().hex}.db",
                "synchronous=NORMAL",
            )
        ]
        if postgres_url is not None:
            databases.append(Database("PostgreSQL", lambda: postgres_url, "synchronous_commit=off"))
        print(f"making {events:,} {CAMPAIGN_CREATED} events ...", flush=True)
        envelopes, messages = campaign_events(events)
        print("starting Kafka ...", flush=True)
        with kafka_broker() as broker:
            print(f"Kafka {broker.kafka_version} on {broker.bootstrap_servers}", flush=True)
            bench = Bench(
                broker,
                envelopes,
                messages,
                min(breakdown_events, events),
                broker.new_topic("warm-up"),
            )
            print("warming up (not measured): one raw produce and consume ...", flush=True)
            bench.raw_produce(-1)
            bench.raw_consume(-1)
            planned = scenarios(bench, databases, large_batch)
            timings: dict[str, list[Timing]] = {s.name: [] for s in planned}
            for repeat in range(repeats):
                for scenario in planned:
                    print(f"[{repeat + 1}/{repeats}] {scenario.name}: ", end="", flush=True)
                    timing = scenario.measure(repeat)
                    timings[scenario.name].append(timing)
                    rate = scenario.events / timing.wall
                    print(f"{rate:,.0f} ev/s ({timing.wall:.2f}s)", flush=True)
            settings = describe_settings(bench, repeats, large_batch)
        machine = machine_description(postgres_url, Path(scratch))
    measurements = [
        Measurement(s.name, s.events, tuple(timings[s.name]), s.group, s.baseline) for s in planned
    ]
    machine["load_average_1_5_15_min"] = {
        "before": load_before,
        "after": [round(load, 2) for load in os.getloadavg()],
    }
    return {
        "benchmark": NAME,
        "started_at": started_at.isoformat(),
        "duration_s": round(time.perf_counter() - began, 1),
        "machine": machine,
        "settings": settings,
        "results": with_ratios(measurements),
    }


def describe_settings(bench: Bench, repeats: int, large_batch: int) -> dict[str, Any]:
    producer = make_producer(bench.broker.bootstrap_servers)
    try:
        # Read back from a real producer: these are the settings make_producer really yields.
        producer_settings = {
            key: producer.config[key]
            for key in (
                "acks",
                "enable_idempotence",
                "linger_ms",
                "batch_size",
                "compression_type",
                "max_in_flight_requests_per_connection",
            )
        }
    finally:
        producer.close()
    sizes = [len(m.value) for m in bench.messages]
    return {
        "events": bench.count,
        "breakdown_events": bench.breakdown_count,
        "repeats": repeats,
        "statistic": "median of the repeats, with min and max",
        "event_type": CAMPAIGN_CREATED,
        "value_bytes": {"mean": sum(sizes) // len(sizes), "min": min(sizes), "max": max(sizes)},
        "key": "the campaign id, a new one per event",
        "topic_partitions": TOPIC_PARTITIONS,
        "outbox_batch_sizes": list(dict.fromkeys((DEFAULT_BATCH, large_batch))),
        "producer": producer_settings,
        "consumer": {
            "max_poll_records": POLL_RECORDS,
            "poll_timeout_ms": POLL_TIMEOUT_MS,
            "enable_auto_commit": False,
            "commit": "after each poll batch",
        },
        "broker": {
            "external": bench.broker.external,
            "heap": bench.broker.heap,
            "kafka_version": bench.broker.kafka_version,
        },
    }


@click.command(NAME)
@click.option(
    "--events",
    default=DEFAULT_EVENTS,
    type=click.IntRange(min=1),
    show_default=True,
    help="Events through each measurement.",
)
@click.option(
    "--breakdown-events",
    type=click.IntRange(min=1),
    help="Events through each breakdown measurement [default: a quarter of --events].",
)
@click.option(
    "--repeats",
    default=DEFAULT_REPEATS,
    type=click.IntRange(min=1),
    show_default=True,
    help="Runs of each measurement; the median is reported.",
)
@click.option(
    "--large-batch",
    default=LARGE_BATCH,
    type=click.IntRange(min=1),
    show_default=True,
    help="The outbox batch size measured besides the relay's default.",
)
@click.option(
    "--postgres/--no-postgres",
    default=True,
    show_default=True,
    help="Also measure on a scratch PostgreSQL database, if one is reachable.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The JSON file to write [default: bench/results/kafka_plumbing.json].",
)
def command(
    events: int,
    breakdown_events: int | None,
    repeats: int,
    large_batch: int,
    postgres: bool,
    output: Path | None,
) -> None:
    """Outbox relay and idempotent consumer throughput, next to raw kafka-python, on one broker.

    Starts its own Kafka broker on free ports unless KAFKA_BOOTSTRAP_SERVERS is set, and makes a
    scratch database on the PostgreSQL server of $FUNDTRAIL_TEST_POSTGRES_URL (default: the
    local one the tests use), dropped afterwards.
    """
    breakdown = breakdown_events or max(1, events // 4)
    document = run(events, breakdown, repeats, large_batch, postgres)
    print()
    print(results_table(document["results"]))
    path = write_results(NAME, document, output)
    print(f"\nresults written to {path} ({document['duration_s']}s in all)")
