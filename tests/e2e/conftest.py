"""A whole Fundtrail in one test process: three apps, their workers, one real Kafka broker."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import flask
import pytest

from services.registry import NAMES, bootstrap
from shared.worker import run_worker
from tests.factories import make_app, service_settings

T = TypeVar("T")


@dataclass
class Fundtrail:
    apps: dict[str, flask.Flask]
    settings: dict[str, dict[str, Any]]
    kafka: str
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def client(self, service: str) -> flask.testing.FlaskClient:
        return self.apps[service].test_client()

    def start_worker(self, service: str) -> None:
        dependencies = bootstrap(service, self.settings[service])
        start_at_the_end(self.kafka, dependencies.settings.consumer_group, dependencies.spec.topics)
        thread = threading.Thread(
            target=run_worker,
            args=(dependencies, self.stop),
            name=f"{service}-worker",
            daemon=True,
        )
        thread.start()
        self.threads.append(thread)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        for app in self.apps.values():
            app.extensions["fundtrail"].engine.dispose()


def start_at_the_end(kafka: str, group: str, topics: Iterable[str]) -> None:
    """Commit `group`'s offsets at the current end of `topics`, so a worker started next reads
    only what is published from now on.

    The topics are the contract's, shared by every test of the run (and by every pytest-xdist
    worker): a new group would otherwise start at the earliest offset and first work through
    all that other tests published, which grows with the run and made waits time out.
    """
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    consumer = KafkaConsumer(bootstrap_servers=kafka.split(","), group_id=group)
    try:
        partitions = [
            TopicPartition(topic, partition)
            for topic in topics
            for partition in consumer.partitions_for_topic(topic) or ()
        ]
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
    finally:
        consumer.close()


def eventually(probe: Callable[[], T | None], timeout: float = 45.0, interval: float = 0.2) -> T:
    """Wait, boundedly, until `probe` returns something truthy; fail with what it last saw."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"gave up after {timeout}s; last seen: {last!r}")


def build_fundtrail(database_urls: dict[str, str], var_dir: Path, kafka: str) -> Fundtrail:
    group = f"e2e-{uuid.uuid4().hex[:8]}"
    settings = {
        name: service_settings(
            name, database_urls[name], var_dir, kafka=kafka, consumer_group_prefix=group
        )
        for name in NAMES
    }
    apps = {
        name: make_app(name, database_urls[name], var_dir, kafka=kafka, consumer_group_prefix=group)
        for name in NAMES
    }
    return Fundtrail(apps=apps, settings=settings, kafka=kafka)


@pytest.fixture
def fundtrail(
    request: pytest.FixtureRequest, database_kind: str, tmp_path: Path, kafka_bootstrap: str
) -> Iterator[Fundtrail]:
    """Three services, each on its own database of one kind, with their workers running."""
    if database_kind == "sqlite":
        urls = {name: f"sqlite:///{tmp_path / name}.db" for name in NAMES}
    else:
        urls = {name: request.getfixturevalue("postgres_url") for name in ("pledges",)}
        # One database per service, as in production.
        make = request.getfixturevalue("postgres_database_factory")
        urls.update({name: make() for name in ("ledger", "updates")})
    system = build_fundtrail(urls, tmp_path, kafka_bootstrap)
    for name in NAMES:
        system.start_worker(name)
    yield system
    system.close()
