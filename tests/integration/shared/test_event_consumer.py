"""Idempotent consumption on a real broker: a redelivered event takes effect once.

The consumer's faults (a kill before the offset commit, poison to the dead-letter topic, a
replay, a duplicate storm, a rebalance) are in tests/faults.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from shared.consumer import EventConsumer
from shared.db import UnitOfWork, add_plumbing_tables, make_engine
from shared.events import Envelope, encode, new_envelope
from shared.events.catalog import AccountRevoked
from shared.kafka import make_consumer, make_producer

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
        {"account.revoked": record_effect},
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


def test_a_redelivered_event_takes_effect_once(
    engine: sa.Engine, kafka_bootstrap: str, topic: str
) -> None:
    once = event()
    send(kafka_bootstrap, topic, [encode(once), encode(once), encode(event())])
    consumer = consumer_for(kafka_bootstrap, topic, engine, f"g-{uuid.uuid4()}")
    assert drain(consumer, 3) == 3
    consumer.close()
    assert effect_count(engine) == 2
