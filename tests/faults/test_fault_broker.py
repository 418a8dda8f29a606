"""R1 and R2: Kafka goes away under writes and under a running relay; nothing is lost.

R1, broker down during writes: the API keeps accepting writes (they wait in the outbox) and
the relay delivers them when the broker is back. The relay must not hold a database lock or
transaction while it waits for the broker: on SQLite a relay stuck in `flush()` inside
`BEGIN IMMEDIATE` once turned pledges into 500 "database is locked".
R2, broker restart mid-relay: the broker is killed with -9 while the relay is sending a backlog
and started again; every event reaches the idempotent consumer once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer

from infra.broker import LocalBroker, ensure_topics
from services.registry import bootstrap
from shared.db import UnitOfWork, make_engine
from shared.events import Envelope, decode
from shared.kafka import make_producer
from shared.outbox import OutboxRelay
from shared.topics import PLEDGES, dead_letter_topic
from shared.worker import run_worker
from tests.factories import bearer, campaign_body, create_account, make_app, service_settings
from tests.faults.fault_support import (
    TABLES,
    account_of,
    consume_until,
    create_plumbing,
    effect_accounts,
    kill_broker,
    lost_and_duplicated,
    revocation,
    unsent_rows,
    wait_for,
)

pytestmark = pytest.mark.kafka

PLEDGES_AT_ONCE = 120


def pending_events(app: flask.Flask) -> list[Envelope]:
    """The events still waiting in the outbox, in order."""
    context = app.extensions["fundtrail"]
    outbox = context.tables["outbox"]
    with context.engine.connect() as connection:
        values = connection.execute(
            sa.select(outbox.c.value).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id)
        ).scalars()
        return [decode(value) for value in values]


def read_pledge_events(
    kafka: str, wanted: Callable[[Envelope], str | None], expected: set[str], timeout: float
) -> list[tuple[str, uuid.UUID]]:
    """(what `wanted` picks, the event id) of every message on the pledges topic, copies kept,
    read until all of `expected` showed and a second more (so a late copy is counted too)."""
    consumer = KafkaConsumer(
        PLEDGES,
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    seen: list[tuple[str, uuid.UUID]] = []
    deadline, settle_until = time.monotonic() + timeout, None
    try:
        while time.monotonic() < (settle_until or deadline):
            for records in consumer.poll(timeout_ms=300).values():
                for record in records:
                    envelope = decode(record.value)
                    picked = wanted(envelope)
                    if picked is not None:
                        seen.append((picked, envelope.event_id))
            if settle_until is None and expected <= {picked for picked, _ in seen}:
                settle_until = time.monotonic() + 1.0
    finally:
        consumer.close()
    return seen


def tally_topic(expected: Iterable[str], seen: list[tuple[str, uuid.UUID]]) -> dict[str, int]:
    """Lost: never on the topic. Duplicated: announced by two different events (which no
    consumer could tell apart). A copy of one event (the relay may send a row again when the
    broker died before its ack) is `redelivered`: consumers drop it by its event id."""
    expected = set(expected)
    seen = [(picked, event_id) for picked, event_id in seen if picked in expected]  # not others'
    distinct = set(seen)
    lost, duplicated = lost_and_duplicated(expected, [picked for picked, _ in distinct])
    return {"lost": lost, "duplicated": duplicated, "redelivered": len(seen) - len(distinct)}


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


def test_r1_writes_wait_in_the_outbox_while_kafka_is_down_and_go_out_when_it_returns(
    running_broker: LocalBroker, sqlite_url: str, tmp_path: Path, report: Callable[..., Any]
) -> None:
    app = make_app("pledges", sqlite_url, tmp_path, kafka=running_broker.bootstrap_servers)
    _, creator = create_account(app, "creator")
    running_broker.stop()

    client = app.test_client()
    assert client.get("/readyz").status_code == 503
    campaign_ids = []
    for _ in range(3):
        response = client.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(creator))
        assert response.status_code == 201, response.json
        campaign_ids.append(response.json["id"])
    assert len(pending_events(app)) == 4  # the account and three campaigns

    stop = threading.Event()
    settings = service_settings(
        "pledges", sqlite_url, tmp_path, kafka=running_broker.bootstrap_servers
    )
    worker = threading.Thread(target=run_worker, args=(bootstrap("pledges", settings), stop))
    worker.start()  # the relay starts with Kafka down and keeps trying
    try:
        running_broker.start()
        seen = read_pledge_events(
            running_broker.bootstrap_servers,
            lambda e: str(e.campaign_id) if e.type == "campaign.created" else None,
            set(campaign_ids),
            timeout=60,
        )
    finally:
        stop.set()
        worker.join(30)
    assert not pending_events(app)
    assert client.get("/readyz").status_code == 200
    app.extensions["fundtrail"].engine.dispose()
    report(
        1,
        "broker down during writes",
        produced=len(campaign_ids),
        faults=1,
        **tally_topic(campaign_ids, seen),
        refused=0,
    )


@pytest.mark.both_databases
def test_r1_concurrent_pledges_commit_while_the_relay_waits_for_a_dead_broker(
    running_broker: LocalBroker, database_url: str, tmp_path: Path, report: Callable[..., Any]
) -> None:
    kafka = running_broker.bootstrap_servers
    app = make_app("pledges", database_url, tmp_path, kafka=kafka)
    _, creator = create_account(app, "creator")
    backers = [create_account(app, "backer")[1] for _ in range(PLEDGES_AT_ONCE)]
    client = app.test_client()
    campaign = client.post(
        "/api/v1/campaigns", json=campaign_body(tiers=[]), headers=bearer(creator)
    ).json
    launched = client.post(f"/api/v1/campaigns/{campaign['id']}/launch", headers=bearer(creator))
    assert launched.status_code == 200, launched.json

    stop = threading.Event()
    settings = service_settings("pledges", database_url, tmp_path, kafka=kafka)
    worker = threading.Thread(target=run_worker, args=(bootstrap("pledges", settings), stop))
    worker.start()
    try:
        # The relay is connected and has sent the backlog: it now holds a live producer.
        wait_for(lambda: not pending_events(app), 60, "the relay to drain the outbox")
        kill_broker(running_broker)

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

        running_broker.start()
        delivered = read_pledge_events(
            kafka,
            lambda e: str(e.payload["pledge_id"]) if e.type == "pledge.created" else None,
            pledge_ids,
            timeout=90,
        )
        wait_for(lambda: not pending_events(app), 60, "the relay to mark everything sent")
    finally:
        stop.set()
        worker.join(60)
        app.extensions["fundtrail"].engine.dispose()
    assert not worker.is_alive()
    report(
        1,
        "broker down during writes (120 at once)",
        produced=PLEDGES_AT_ONCE,
        faults=1,
        **tally_topic(pledge_ids, delivered),
        refused=len(failures),
        database=sa.make_url(database_url).get_backend_name(),
    )


BACKLOG = 600


class SlowLink:
    """A real producer behind a slow network: each batch's acks take a quarter of a second
    more, so the broker is killed while the relay is early in its backlog, even on a machine
    so loaded that the test's own thread is late to notice."""

    def __init__(self, producer: KafkaProducer) -> None:
        self._producer = producer

    def send(self, *args: Any, **kwargs: Any) -> Any:
        return self._producer.send(*args, **kwargs)

    def flush(self, timeout: float | None = None) -> None:
        time.sleep(0.25)
        self._producer.flush(timeout=timeout)


def test_r2_a_broker_killed_and_restarted_mid_relay_loses_and_doubles_nothing(
    running_broker: LocalBroker, postgres_url: str, report: Callable[..., Any]
) -> None:
    kafka = running_broker.bootstrap_servers
    topic = f"fault-{uuid.uuid4().hex[:12]}"
    ensure_topics(kafka, [topic, dead_letter_topic(topic)])
    engine = make_engine(postgres_url)
    create_plumbing(engine)
    written: list[Envelope] = []
    for _ in range(BACKLOG // 200):
        with UnitOfWork(engine, TABLES, producer="test") as uow:
            for _ in range(200):
                envelope = revocation()
                uow.publish(topic, envelope)
                written.append(envelope)
            uow.commit()

    producer = make_producer(kafka, max_block_ms=5_000, request_timeout_ms=5_000)
    relay = OutboxRelay(engine, TABLES["outbox"], SlowLink(producer), batch_size=50, send_timeout=5)  # type: ignore[arg-type]
    stop = threading.Event()
    relaying = threading.Thread(target=relay.run, args=(stop,), kwargs={"max_backoff": 1.0})
    relaying.start()
    try:
        wait_for(lambda: unsent_rows(engine) <= BACKLOG - 50, 60, "the relay to get going")
        kill_broker(running_broker)
        left_at_kill = unsent_rows(engine)
        assert left_at_kill > 0, "the relay finished before the broker was killed"
        running_broker.start()
        wait_for(lambda: unsent_rows(engine) == 0, 120, "the relay to finish after the restart")
    finally:
        stop.set()
        relaying.join(30)
        producer.close(timeout=5)

    handled = consume_until(
        kafka,
        topic,
        engine,
        f"fault-{uuid.uuid4().hex[:8]}",
        lambda _: len(effect_accounts(engine)) >= BACKLOG,
        timeout=60,
    )
    lost, duplicated = lost_and_duplicated(map(account_of, written), effect_accounts(engine))
    engine.dispose()
    report(
        2,
        "broker restart mid-relay",
        produced=BACKLOG,
        faults=1,
        lost=lost,
        duplicated=duplicated,
        unsent_at_kill=left_at_kill,
        redelivered=handled - BACKLOG,
    )
