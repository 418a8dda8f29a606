"""The outbox relay on a real broker, from SQLite and PostgreSQL: everything once, in order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer

from shared.db import UnitOfWork, add_plumbing_tables, make_engine
from shared.events import decode, new_envelope
from shared.kafka import make_producer
from shared.outbox import OutboxRelay

pytestmark = [pytest.mark.kafka, pytest.mark.both_databases]


@pytest.fixture
def plumbing(database_url: str) -> Iterator[tuple[sa.Engine, dict[str, sa.Table]]]:
    metadata = sa.MetaData()
    tables = add_plumbing_tables(metadata)
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine, tables
    engine.dispose()


def revocation(account_id: uuid.UUID) -> object:
    return new_envelope(
        "account.revoked",
        {"account_id": account_id, "reason": "test"},
        producer="test",
        campaign_id=None,
    )


def read_all(kafka: str, topic: str, expected: int) -> list[object]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
        group_id=None,
    )
    try:
        messages = []
        for message in consumer:
            messages.append(message)
            if len(messages) >= expected + 5:  # read past `expected` to catch duplicates
                break
        return messages
    finally:
        consumer.close()


def test_relay_publishes_each_committed_event_once_in_order(
    plumbing: tuple[sa.Engine, dict[str, sa.Table]], kafka_bootstrap: str, topic: str
) -> None:
    engine, tables = plumbing
    accounts = [uuid.uuid4() for _ in range(3)]
    written = []
    for round_ in range(20):
        with UnitOfWork(engine, tables, producer="test") as uow:
            envelope = revocation(accounts[round_ % 3])
            uow.publish(topic, envelope)
            uow.commit()
            written.append(envelope)
    with UnitOfWork(engine, tables, producer="test") as uow:
        uow.publish(topic, revocation(uuid.uuid4()))  # rolled back: must never be sent

    producer = make_producer(kafka_bootstrap)
    relay = OutboxRelay(engine, tables["outbox"], producer, batch_size=7)
    published = 0
    while batch := relay.relay_once():
        published += batch
    assert published == 20
    assert relay.relay_once() == 0  # marked sent: nothing goes twice
    relay.close()
    producer.close()

    messages = read_all(kafka_bootstrap, topic, expected=20)
    received = [decode(m.value) for m in messages]
    assert sorted(e.event_id for e in received) == sorted(e.event_id for e in written)
    for account in accounts:  # per key, the order they were committed in
        key = str(account).encode()
        assert [decode(m.value).event_id for m in messages if m.key == key] == [
            e.event_id for e in written if e.key == str(account)
        ]
    with engine.connect() as connection:
        unsent = connection.execute(
            sa.select(sa.func.count()).where(tables["outbox"].c.sent_at.is_(None))
        ).scalar_one()
    assert unsent == 0


class WatchedProducer:
    """A real producer that notes, at each flush, how many database connections are out and
    (PostgreSQL) how many sessions are inside a transaction: the relay's own session, which
    holds its lock there, must be idle."""

    def __init__(self, producer: KafkaProducer, engine: sa.Engine) -> None:
        self._producer = producer
        self._engine = engine
        self.connections_out_at_flush: list[int] = []
        self.transactions_open_at_flush: list[int] = []

    def send(self, *args: object, **kwargs: object) -> object:
        return self._producer.send(*args, **kwargs)

    def flush(self, timeout: float | None = None) -> None:
        self.connections_out_at_flush.append(self._engine.pool.checkedout())  # type: ignore[attr-defined]
        if self._engine.dialect.name == "postgresql":
            query = sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
            with self._engine.connect() as connection:
                self.transactions_open_at_flush.append(connection.execute(query).scalar_one())
        self._producer.flush(timeout=timeout)


def test_relay_holds_no_connection_while_it_waits_for_kafka(
    plumbing: tuple[sa.Engine, dict[str, sa.Table]], kafka_bootstrap: str, topic: str
) -> None:
    engine, tables = plumbing
    for _ in range(3):
        with UnitOfWork(engine, tables, producer="test") as uow:
            uow.publish(topic, revocation(uuid.uuid4()))
            uow.commit()
    producer = make_producer(kafka_bootstrap)
    watched = WatchedProducer(producer, engine)
    try:
        relay = OutboxRelay(engine, tables["outbox"], watched, batch_size=2)  # type: ignore[arg-type]
        assert relay.relay_once() == 2
        assert relay.relay_once() == 1
        assert relay.relay_once() == 0
    finally:
        relay.close()
        producer.close()
    # No transaction (no pooled connection at all) is open while the relay waits for the acks.
    assert watched.connections_out_at_flush == [0, 0]
    if engine.dialect.name == "postgresql":
        assert watched.transactions_open_at_flush == [0, 0]
    assert len(read_all(kafka_bootstrap, topic, expected=3)) == 3
