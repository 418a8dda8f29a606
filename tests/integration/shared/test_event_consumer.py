"""Idempotent consumption on a real broker: once per event, offsets after commit, poison to DLQ."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer

from shared.consumer import EventConsumer
from shared.db import UnitOfWork, add_plumbing_tables, make_engine
from shared.events import Envelope, encode, new_envelope
from shared.events.catalog import AccountCreated, AccountRevoked
from shared.kafka import make_consumer, make_producer
from shared.topics import dead_letter_topic

pytestmark = [pytest.mark.kafka, pytest.mark.both_databases]

metadata = sa.MetaData()
TABLES = add_plumbing_tables(metadata)
effects = sa.Table(
    "effects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Uuid, nullable=False),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def record_effect(event: AccountRevoked, uow: UnitOfWork) -> None:
    uow.conn.execute(effects.insert().values(account_id=event.account_id))


def always_fails(event: AccountCreated, uow: UnitOfWork) -> None:
    uow.conn.execute(effects.insert().values(account_id=event.account_id))
    raise RuntimeError("this handler never works")


def event(event_type: str = "account.revoked") -> Envelope:
    payload: dict[str, Any] = {"account_id": uuid.uuid4()}
    if event_type == "account.revoked":
        payload["reason"] = "test"
    else:
        payload.update(role="backer", name="Bea", email=None)
    return new_envelope(event_type, payload, producer="test", campaign_id=None)


def consumer_for(kafka: str, topic: str, engine: sa.Engine, group: str) -> EventConsumer:
    return EventConsumer(
        make_consumer(kafka, group, [topic]),
        make_producer(kafka),
        lambda: UnitOfWork(engine, TABLES, producer="test"),
        {"account.revoked": record_effect, "account.created": always_fails},
        max_attempts=3,
    )


def drain(consumer: EventConsumer, expected: int, polls: int = 40) -> int:
    handled = 0
    for _ in range(polls):
        handled += consumer.poll_once(timeout_ms=500)
        if handled >= expected:
            break
    return handled


def effect_count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(effects)).scalar_one()


def send(kafka: str, topic: str, values: list[bytes | None]) -> None:
    producer = make_producer(kafka)
    for value in values:
        producer.send(topic, key=b"k", value=value)
    producer.flush()
    producer.close()


def dead_letters(kafka: str, topic: str, expected: int) -> list[Any]:
    reader = KafkaConsumer(
        dead_letter_topic(topic),
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
        group_id=None,
    )
    found = []
    for message in reader:
        found.append(message)
        if len(found) > expected:
            break
    reader.close()
    return found


def test_a_redelivered_event_takes_effect_once(
    engine: sa.Engine, kafka_bootstrap: str, topic: str
) -> None:
    once = event()
    send(kafka_bootstrap, topic, [encode(once), encode(once), encode(event())])
    consumer = consumer_for(kafka_bootstrap, topic, engine, f"g-{uuid.uuid4()}")
    assert drain(consumer, 3) == 3
    consumer.close()
    assert effect_count(engine) == 2


def test_offsets_are_committed_only_after_the_database(
    engine: sa.Engine, kafka_bootstrap: str, topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = f"g-{uuid.uuid4()}"
    send(kafka_bootstrap, topic, [encode(event())])
    crashing = consumer_for(kafka_bootstrap, topic, engine, group)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise SystemExit("killed between the database commit and the offset commit")

    monkeypatch.setattr(crashing._consumer, "commit", crash)
    with pytest.raises(SystemExit):
        drain(crashing, 1)
    crashing._consumer.close(autocommit=False)
    assert effect_count(engine) == 1

    # The restarted consumer gets the message again, and the event id stops a second effect.
    restarted = consumer_for(kafka_bootstrap, topic, engine, group)
    assert drain(restarted, 1) == 1
    assert effect_count(engine) == 1
    # Now committed: a third consumer in the group has nothing to do.
    restarted.close()
    third = consumer_for(kafka_bootstrap, topic, engine, group)
    assert drain(third, 1, polls=6) == 0
    third.close()


def test_poison_messages_go_to_the_dead_letter_topic_and_the_rest_flows(
    engine: sa.Engine, kafka_bootstrap: str, topic: str
) -> None:
    not_json = b"\x00not json"
    wrong_schema = json.dumps({"event_id": str(uuid.uuid4()), "type": "account.revoked"}).encode()
    failing = encode(event("account.created"))
    good = event()
    send(kafka_bootstrap, topic, [not_json, wrong_schema, failing, encode(good)])

    consumer = consumer_for(kafka_bootstrap, topic, engine, f"g-{uuid.uuid4()}")
    assert drain(consumer, 4) == 4
    consumer.close()

    assert effect_count(engine) == 1  # only the good event; the failing handler rolled back
    parked = dead_letters(kafka_bootstrap, topic, expected=3)
    assert [m.value for m in parked] == [not_json, wrong_schema, failing]
    headers = [dict(m.headers) for m in parked]
    assert b"not JSON" in headers[0]["error"]
    assert b"schema error" in headers[1]["error"]
    assert b"this handler never works" in headers[2]["error"]
    assert headers[2]["attempts"] == b"3"
    assert {h["original_topic"] for h in headers} == {topic.encode()}
