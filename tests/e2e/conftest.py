"""A whole Fundtrail in one test process: three apps, their workers, one real Kafka broker."""

from __future__ import annotations

import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import flask
import pytest

from services.registry import NAMES, bootstrap
from shared.kafka import start_at_the_end
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
    #: Each started worker's consumer group and topics, to say where it stood if a test fails.
    groups: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    def client(self, service: str) -> flask.testing.FlaskClient:
        return self.apps[service].test_client()

    def start_worker(self, service: str) -> None:
        dependencies = bootstrap(service, self.settings[service])
        group, topics = dependencies.settings.consumer_group, tuple(dependencies.spec.topics)
        # The topics are the contract's, shared by every test of the run (and every xdist
        # worker): from the earliest offset the worker would first work through all of that.
        start_at_the_end(self.kafka, group, topics)
        self.groups[service] = (group, topics)
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


def consumer_positions(kafka: str, group: str, topics: Iterable[str]) -> list[str]:
    """Per partition of `topics`: what `group` has committed against the end of the log."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=kafka.split(","), group_id=group)
    try:
        partitions = [
            TopicPartition(topic, partition)
            for topic in topics
            for partition in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(partitions)
        return [
            f"{tp.topic}[{tp.partition}] committed {consumer.committed(tp)} of {ends[tp]}"
            for tp in partitions
        ]
    finally:
        consumer.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed end-to-end test's report says where each worker's consumer group stood: a wait
    for a Kafka-delivered effect that gave up then shows whether the events were never
    consumed (committed behind the end) or consumed without the effect."""
    report = yield
    arguments = getattr(item, "funcargs", {})
    live = arguments.get("live_fundtrail")
    system = arguments.get("fundtrail") or getattr(live, "system", None)
    # By shape, not class: this conftest may be imported twice, under two module names.
    if report.when == "call" and report.failed and hasattr(system, "groups"):
        lines = []
        for service, (group, topics) in system.groups.items():
            try:
                positions = consumer_positions(system.kafka, group, topics)
            except Exception as exc:  # noqa: BLE001  (a report of a failure must not fail)
                positions = [f"unreadable: {exc!r}"]
            lines += [f"{service} ({group}):", *(f"  {line}" for line in positions)]
        report.sections.append(("consumer groups at the failure", "\n".join(lines)))
        report.sections.append(("worker consumers at the failure", consumer_stacks()))
    return report


def consumer_stacks() -> str:
    """Where each running consumer thread is, its innermost frames: blocked in Kafka, in the
    database, or handling."""
    frames = sys._current_frames()
    stacks = []
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        if thread.name == "consumer" and frame is not None:
            where = "".join(traceback.format_stack(frame)[-8:])
            stacks.append(f"{_service_of(frame)} consumer:\n{where}")
    # kafka-python 3 does its network I/O on a thread per client: a consumer blocked on a
    # request waits for it.
    io_threads = [t for t in threading.enumerate() if t.name.startswith("kafka-io")]
    for thread in io_threads:
        frame = frames.get(thread.ident or -1)
        where = "".join(traceback.format_stack(frame)[-4:]) if frame is not None else "no frame\n"
        stacks.append(f"{thread.name} (alive: {thread.is_alive()}):\n{where}")
    return "\n".join(stacks) or "no consumer thread running"


def _service_of(frame: Any) -> str:
    """The service whose worker runs this thread (`shared.worker._consume`'s `spec`)."""
    while frame is not None:
        if frame.f_code.co_name == "_consume" and "spec" in frame.f_locals:
            return str(frame.f_locals["spec"].name)
        frame = frame.f_back
    return "an unknown service's"


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
