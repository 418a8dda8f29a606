"""R6, R7, R8, R13: what a consumer group lives through on a real broker.

R6, a rebalance while consuming: a second worker joins the group mid-stream and the first
leaves; R7, a replay of the whole topic from offset 0; R8, poison messages among good ones:
parked in the dead-letter topic once each while the rest flows; R13, a duplicate-delivery
storm into the real ledger: every pledge becomes one journal entry, however often it comes.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer

from shared.consumer import EventConsumer
from shared.db import UnitOfWork, make_engine
from shared.events import encode, new_envelope
from shared.events.catalog import AccountCreated, AccountRevoked
from shared.kafka import make_consumer
from shared.topics import dead_letter_topic
from tests.factories import DeadLetters, make_app
from tests.faults.fault_support import (
    ConsumerThread,
    account_of,
    consume_until,
    create_plumbing,
    drain,
    effect_accounts,
    lost_and_duplicated,
    pipeline_consumer,
    record_effect,
    revocation,
    send,
    send_events,
    wait_for,
)
from tests.integration.ledger.ledger_support import campaign_event, pledge_event

pytestmark = pytest.mark.kafka


@pytest.fixture
def engine(database_url: str) -> Any:
    engine = make_engine(database_url)
    create_plumbing(engine)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_r6_a_rebalance_while_consuming_loses_and_doubles_nothing(
    postgres_url: str, kafka_bootstrap: str, topic: str, report: Callable[..., Any]
) -> None:
    engine = make_engine(postgres_url)
    create_plumbing(engine)

    def slow_effect(event: AccountRevoked, uow: UnitOfWork) -> None:
        time.sleep(0.003)  # long enough that a rebalance lands in the middle of a batch
        record_effect(event, uow)

    def member() -> ConsumerThread:
        return ConsumerThread(
            pipeline_consumer(
                kafka_bootstrap,
                topic,
                engine,
                group,
                {"account.revoked": slow_effect},
                max_poll_records=50,
            )
        )

    group = f"fault-{uuid.uuid4().hex[:8]}"
    sent = [revocation() for _ in range(600)]
    first = member()
    try:
        send_events(kafka_bootstrap, topic, sent[:200])
        wait_for(lambda: len(effect_accounts(engine)) >= 100, 60, "the first member to start")
        second = member()  # joins: the group rebalances while the first is mid-stream
        try:
            send_events(kafka_bootstrap, topic, sent[200:400])
            wait_for(lambda: len(effect_accounts(engine)) >= 300, 60, "both members to go on")
            first.end()  # leaves: the second takes every partition over
            send_events(kafka_bootstrap, topic, sent[400:])
            wait_for(lambda: len(effect_accounts(engine)) >= 600, 90, "the second to finish")
            time.sleep(1)  # a duplicate would land now
        finally:
            second.end()
    finally:
        first.end()
    lost, duplicated = lost_and_duplicated(map(account_of, sent), effect_accounts(engine))
    engine.dispose()
    report(
        6,
        "rebalance while consuming",
        produced=len(sent),
        faults=2,
        lost=lost,
        duplicated=duplicated,
        consumer_errors=sum(1 for m in (first, second) if m.error is not None),
    )
    assert first.error is None and second.error is None, (first.error, second.error)


def test_r7_a_replay_from_offset_zero_takes_no_effect_twice(
    engine: sa.Engine, kafka_bootstrap: str, topic: str, report: Callable[..., Any]
) -> None:
    sent = [revocation() for _ in range(100)]
    send_events(kafka_bootstrap, topic, sent)
    consume_until(
        kafka_bootstrap,
        topic,
        engine,
        f"fault-{uuid.uuid4().hex[:8]}",
        lambda _: len(effect_accounts(engine)) >= 100,
        timeout=60,
    )
    # An operator replays the topic: a group with no offsets starts at offset 0.
    replayed = consume_until(
        kafka_bootstrap,
        topic,
        engine,
        f"replay-{uuid.uuid4().hex[:8]}",
        lambda handled: handled >= 100,
        timeout=60,
    )
    lost, duplicated = lost_and_duplicated(map(account_of, sent), effect_accounts(engine))
    report(
        7,
        "replay from offset 0",
        produced=100,
        faults=1,
        lost=lost,
        duplicated=duplicated,
        replayed=replayed,
    )
    assert replayed == 100


def always_fails(event: AccountCreated, uow: UnitOfWork) -> None:
    uow.conn.execute(sa.text("SELECT 1"))
    raise RuntimeError("this handler never works")


def dead_letters(kafka: str, topic: str, wait: float = 5.0) -> list[Any]:
    """Everything in `topic`'s dead-letter topic, read until it has been quiet for `wait`."""
    reader = KafkaConsumer(
        dead_letter_topic(topic),
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        consumer_timeout_ms=int(wait * 1000),
        group_id=None,
    )
    try:
        return list(reader)
    finally:
        reader.close()


@pytest.mark.both_databases
def test_r8_poison_messages_go_to_the_dead_letter_topic_and_the_rest_flows(
    engine: sa.Engine, kafka_bootstrap: str, topic: str, report: Callable[..., Any]
) -> None:
    not_json = b"\x00not json"
    wrong_schema = json.dumps({"event_id": str(uuid.uuid4()), "type": "account.revoked"}).encode()
    failing = encode(
        new_envelope(
            "account.created",
            {"account_id": uuid.uuid4(), "role": "backer", "name": "Bea", "email": None},
            producer="test",
            campaign_id=None,
        )
    )
    good = [revocation() for _ in range(30)]
    stream = [encode(e) for e in good[:10]] + [not_json]
    stream += [encode(e) for e in good[10:20]] + [wrong_schema, failing]
    stream += [encode(e) for e in good[20:]]
    send(kafka_bootstrap, topic, ((b"k", value) for value in stream))

    consumer = pipeline_consumer(
        kafka_bootstrap,
        topic,
        engine,
        f"g-{uuid.uuid4()}",
        {"account.revoked": record_effect, "account.created": always_fails},
    )
    try:
        drain(consumer, lambda handled: handled >= len(stream), timeout=60)
    finally:
        consumer.close()

    parked = dead_letters(kafka_bootstrap, topic)
    assert [m.value for m in parked] == [not_json, wrong_schema, failing]
    headers = [dict(m.headers) for m in parked]
    assert b"not JSON" in headers[0]["error"]
    assert b"schema error" in headers[1]["error"]
    assert b"this handler never works" in headers[2]["error"]
    assert headers[2]["attempts"] == b"3"
    assert {h["original_topic"] for h in headers} == {topic.encode()}
    good_lost, good_doubled = lost_and_duplicated(map(account_of, good), effect_accounts(engine))
    poison_lost, poison_doubled = lost_and_duplicated(
        [not_json, wrong_schema, failing], [m.value for m in parked]
    )
    report(
        8,
        "poison message to the DLQ while the rest goes on",
        produced=len(stream),
        faults=3,
        lost=good_lost + poison_lost,
        duplicated=good_doubled + poison_doubled,
        parked=len(parked),
        database=engine.dialect.name,
    )


STORM_PLEDGES = 120
COPIES = 4


@pytest.mark.postgres
def test_r13_a_duplicate_delivery_storm_makes_one_ledger_entry_per_pledge(
    postgres_url: str, kafka_bootstrap: str, topic: str, tmp_path: Path, report: Callable[..., Any]
) -> None:
    app = make_app("ledger", postgres_url, tmp_path)
    dependencies = app.extensions["fundtrail"]
    campaign_id = uuid.uuid4()
    launched = campaign_event("campaign.created", campaign_id, uuid.uuid4())
    pledges = [
        pledge_event("pledge.collected", campaign_id, 1_000 + i) for i in range(STORM_PLEDGES)
    ]
    key = str(campaign_id).encode()
    send(kafka_bootstrap, topic, [(key, encode(launched))] * 2)

    def member() -> ConsumerThread:
        return ConsumerThread(
            EventConsumer(
                make_consumer(kafka_bootstrap, group, [topic], max_poll_records=100),
                DeadLetters(),  # type: ignore[arg-type]  (nothing may be parked: asserted below)
                dependencies.uow_factory,
                dependencies.event_handlers(),
            )
        )

    group = f"fault-{uuid.uuid4().hex[:8]}"
    members = [member(), member()]
    try:
        # The campaign first, as the pledges service keys and orders it; then the storm.
        wait_for(lambda: knows(app, campaign_id), 60, "the ledger to hear of the campaign")
        # Every pledge four times, shuffled: copies come in one batch, in different batches,
        # and (half of them under another key, as a second producer would send them) on other
        # partitions, so the two members handle copies of one event at the same time.
        copies = [(pledge, n) for pledge in pledges for n in range(COPIES)]
        random.Random(17).shuffle(copies)
        storm = [
            (key if n % 2 == 0 else f"{key.decode()}-{n}".encode(), encode(pledge))
            for pledge, n in copies
        ]
        send(kafka_bootstrap, topic, storm)
        wait_for(
            lambda: contributions(app, campaign_id) >= STORM_PLEDGES,
            90,
            "the ledger to record every pledge",
        )
        time.sleep(1)  # a late copy would land now
    finally:
        for each in members:
            each.end()
    errors = [m.error for m in members if m.error is not None]
    parked = sum(len(m.consumer._dead_letters.parked) for m in members)  # type: ignore[attr-defined]
    recorded = pledge_ids_in_journal(app, campaign_id)
    lost, duplicated = lost_and_duplicated((str(p.payload["pledge_id"]) for p in pledges), recorded)
    balance = app.test_client().get(f"/api/v1/campaigns/{campaign_id}/balance").json
    dependencies.engine.dispose()
    report(
        13,
        "duplicate-delivery storm",
        produced=STORM_PLEDGES,
        faults=STORM_PLEDGES * (COPIES - 1) + 1,
        lost=lost,
        duplicated=duplicated,
        delivered=len(storm) + 2,
        parked=parked,
    )
    assert not errors and parked == 0
    assert balance["raised"] == sum(p.payload["amount"] for p in pledges)


def knows(app: Any, campaign_id: uuid.UUID) -> bool:
    dependencies = app.extensions["fundtrail"]
    journals = dependencies.tables["journals"]
    with dependencies.engine.connect() as connection:
        found = connection.execute(
            sa.select(journals.c.campaign_id).where(journals.c.campaign_id == campaign_id)
        ).first()
    return found is not None


def contributions(app: Any, campaign_id: uuid.UUID) -> int:
    return len(pledge_ids_in_journal(app, campaign_id))


def pledge_ids_in_journal(app: Any, campaign_id: uuid.UUID) -> list[str]:
    """The pledge of every contribution entry in the campaign's log (duplicates kept)."""
    dependencies = app.extensions["fundtrail"]
    entries = dependencies.tables["journal_entries"]
    with dependencies.engine.connect() as connection:
        pledge_ids = connection.execute(
            sa.select(entries.c.pledge_id).where(
                entries.c.campaign_id == campaign_id, entries.c.kind == "contribution"
            )
        ).scalars()
        return [str(pledge_id) for pledge_id in pledge_ids]
