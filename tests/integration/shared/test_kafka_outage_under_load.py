"""Kafka dies under a running relay: concurrent pledges still commit, then all go out.

The relay must not hold a database lock or transaction while it waits for the broker: on SQLite
(the embedded default) a relay stuck in `flush()` inside `BEGIN IMMEDIATE` turned pledges into
500 "database is locked".
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer

from infra.broker import LocalBroker, ensure_topics, find_free_port, jar_dir
from services.registry import bootstrap
from shared.events import Envelope, decode
from shared.topics import ALL_TOPICS, PLEDGES
from shared.worker import run_worker
from tests.conftest import unavailable
from tests.factories import bearer, campaign_body, create_account, make_app, service_settings

pytestmark = [pytest.mark.kafka, pytest.mark.both_databases]

PLEDGES_AT_ONCE = 120


@pytest.fixture
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A broker of this test's own, to kill and start again."""
    broker = LocalBroker(
        tmp_path_factory.mktemp("load-kafka"),
        port=find_free_port(),
        controller_port=find_free_port(),
    )
    try:
        broker.libs = jar_dir()
        broker.start()
    except Exception as exc:  # noqa: BLE001  (any failure to start means no broker)
        broker.stop()
        unavailable(f"could not start a local Kafka broker: {exc}")
    ensure_topics(broker.bootstrap_servers, ALL_TOPICS)
    yield broker
    broker.stop()


def kill(broker: LocalBroker) -> None:
    """SIGKILL the broker, as a crash would, and wait until its process is gone."""
    pid = broker.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    broker.stop(timeout=10)  # reaps the process and clears the pid file
    assert broker.status() == "stopped"


def pending_events(app: flask.Flask) -> list[Envelope]:
    """The events still waiting in the outbox, in order."""
    context = app.extensions["fundtrail"]
    outbox = context.tables["outbox"]
    with context.engine.connect() as connection:
        values = connection.execute(
            sa.select(outbox.c.value).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id)
        ).scalars()
        return [decode(value) for value in values]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job in its own thread, released together by a barrier; results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except BaseException as exc:  # noqa: BLE001  (reported by the test's asserts)
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return results


def test_concurrent_pledges_commit_while_the_relay_waits_for_a_dead_broker(
    broker: LocalBroker, database_url: str, tmp_path: Path
) -> None:
    app = make_app("pledges", database_url, tmp_path, kafka=broker.bootstrap_servers)
    _, creator = create_account(app, "creator")
    backers = [create_account(app, "backer")[1] for _ in range(PLEDGES_AT_ONCE)]
    client = app.test_client()
    campaign = client.post(
        "/api/v1/campaigns", json=campaign_body(tiers=[]), headers=bearer(creator)
    ).json
    launched = client.post(f"/api/v1/campaigns/{campaign['id']}/launch", headers=bearer(creator))
    assert launched.status_code == 200, launched.json

    stop = threading.Event()
    settings = service_settings("pledges", database_url, tmp_path, kafka=broker.bootstrap_servers)
    worker = threading.Thread(target=run_worker, args=(bootstrap("pledges", settings), stop))
    worker.start()
    try:
        # The relay is connected and has sent the backlog: it now holds a live producer.
        wait_for(lambda: not pending_events(app), 60, "the relay to drain the outbox")
        kill(broker)

        def make_pledge(token: str, amount: int) -> Callable[[], Any]:
            def request() -> Any:
                # A client per thread, as from separate processes.
                return app.test_client().post(
                    f"/api/v1/campaigns/{campaign['id']}/pledges",
                    json={"amount": amount},
                    headers=bearer(token),
                )

            return request

        amounts = [1_000 + i for i in range(PLEDGES_AT_ONCE)]
        responses = all_at_once(
            [make_pledge(token, amount) for token, amount in zip(backers, amounts, strict=True)]
        )
        failures = [
            r if isinstance(r, BaseException) else (r.status_code, r.json)
            for r in responses
            if isinstance(r, BaseException) or r.status_code != 201
        ]
        assert not failures, f"{len(failures)} of {PLEDGES_AT_ONCE} failed: {failures[:3]}"
        bodies = [r.json for r in responses]
        assert sorted(b["amount"] for b in bodies) == amounts
        assert {b["status"] for b in bodies} == {"pledged"}
        pledge_ids = {b["id"] for b in bodies}
        assert len(pledge_ids) == PLEDGES_AT_ONCE

        waiting = pending_events(app)
        assert {str(e.payload["pledge_id"]) for e in waiting if e.type == "pledge.created"} == (
            pledge_ids
        )

        broker.start()
        consumer = KafkaConsumer(
            PLEDGES,
            bootstrap_servers=broker.bootstrap_servers,
            auto_offset_reset="earliest",
            consumer_timeout_ms=60_000,
            group_id=f"test-{uuid.uuid4().hex[:8]}",
        )
        delivered: set[str] = set()
        try:
            for message in consumer:
                event = decode(message.value)
                if event.type == "pledge.created":
                    delivered.add(str(event.payload["pledge_id"]))
                if delivered >= pledge_ids:
                    break
        finally:
            consumer.close()
        assert delivered == pledge_ids
        wait_for(lambda: not pending_events(app), 60, "the relay to mark everything sent")
    finally:
        stop.set()
        worker.join(60)
        app.extensions["fundtrail"].engine.dispose()
    assert not worker.is_alive()
