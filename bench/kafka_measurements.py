"""The timed parts of the Kafka plumbing benchmark: raw kafka-python, the relay, the consumer.

Each measurement does its untimed setup (fresh tables, a warmed-up producer, a consumer that has
joined its group), times only the work it names with time.perf_counter, then checks that every
event went through exactly once: a figure for lost or doubled events would mean nothing.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from bench.common import Broker, Timing, timed
from bench.events import CAMPAIGN_CREATED, Message
from shared.consumer import EventConsumer
from shared.db import UnitOfWork, add_plumbing_tables, make_engine
from shared.events import Envelope, decode, to_event
from shared.events.catalog import CampaignCreated
from shared.events.compiled import fast_decode
from shared.kafka import make_consumer, make_producer
from shared.outbox import OutboxRelay

#: make_consumer's max_poll_records: the raw loop asks for the batches EventConsumer gets.
POLL_RECORDS = 500
POLL_TIMEOUT_MS = 500
#: A measurement still running after this long is broken, not slow.
GIVE_UP_AFTER = 600.0

metadata = sa.MetaData()
TABLES = add_plumbing_tables(metadata)
#: The benchmark handler's one write per event: the campaign it heard of.
campaigns_seen = sa.Table(
    "campaigns_seen",
    metadata,
    sa.Column("campaign_id", sa.Uuid, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
)


class BenchmarkError(RuntimeError):
    """A measurement did not do what it measures (lost or extra events): its time means nothing."""


def record_campaign(event: CampaignCreated, uow: UnitOfWork) -> None:
    """The trivial handler: one insert, so the figure is the plumbing's, not a service's logic.

    It takes the typed event, as every service handler does since EventConsumer decodes into them.
    """
    uow.conn.execute(
        campaigns_seen.insert().values(campaign_id=event.campaign_id, title=event.title)
    )


@dataclass(frozen=True)
class Database:
    """Where the outbox and the consumer's tables live for a measurement."""

    name: str
    #: A URL to an empty place: a new SQLite file, or the one scratch PostgreSQL database.
    url: Callable[[], str]
    #: The setting that stops each commit waiting for the disk, for the breakdown rows only.
    no_flush_setting: str


@contextlib.contextmanager
def fresh_schema(url: str, *, flush_each_commit: bool = True) -> Iterator[sa.Engine]:
    """An engine on `url` whose benchmark tables are empty (dropped and created again)."""
    is_postgresql = sa.make_url(url).get_backend_name() == "postgresql"
    options: dict[str, Any] = {}
    if is_postgresql and not flush_each_commit:
        options["connect_args"] = {"options": "-c synchronous_commit=off"}
    engine = make_engine(url, **options)
    if not is_postgresql and not flush_each_commit:
        # Runs after make_engine's own connect hook; in WAL mode NORMAL syncs at checkpoints only.
        sa.event.listen(
            engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA synchronous=NORMAL")
        )
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()


def count_rows(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def check_deadline(deadline: float, what: str) -> None:
    if time.perf_counter() > deadline:
        raise BenchmarkError(f"{what} did not finish within {GIVE_UP_AFTER:.0f}s")


def give_up_at() -> float:
    return time.perf_counter() + GIVE_UP_AFTER


@dataclass
class Bench:
    """One run's shared state and its measurements; each returns the timing of its timed part.

    The breakdown measurements time parts of the consumer's work alone, on the first
    `breakdown_count` events: their figures are per event, and fewer events keep the run short.
    """

    broker: Broker
    envelopes: list[Envelope]
    messages: list[Message]
    breakdown_count: int
    warm_up_topic: str
    #: The topic each repeat's raw produce filled; that repeat's consumers read it.
    filled_topics: dict[int, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.messages)

    def warm_producer(self, topic: str) -> KafkaProducer:
        """make_producer's producer with its connection, producer id and `topic`'s metadata
        ready, so the timed part is sending only."""
        producer = make_producer(self.broker.bootstrap_servers)
        producer.send(self.warm_up_topic, value=b"warm-up").get(timeout=30)
        producer.partitions_for(topic)
        return producer

    def joined_consumer(self, topic: str) -> KafkaConsumer:
        """make_consumer's consumer in a new group, joined, assigned and rewound to the start:
        the group join is part of no figure."""
        group = f"bench-{uuid.uuid4().hex[:10]}"
        consumer = make_consumer(self.broker.bootstrap_servers, group, [topic])
        deadline = time.monotonic() + 60
        while not consumer.assignment():
            if time.monotonic() > deadline:
                consumer.close()
                raise BenchmarkError(f"no partitions of {topic} were assigned within 60s")
            consumer.poll(timeout_ms=100, max_records=1)
        consumer.seek_to_beginning()  # whatever the joining polls fetched is read again
        return consumer

    def raw_produce(self, repeat: int) -> Timing:
        topic = self.broker.new_topic("raw", with_dead_letters=True)
        producer = self.warm_producer(topic)
        keyed = [(m.key.encode(), m.value) for m in self.messages]
        try:
            with timed() as timing:
                futures = [producer.send(topic, key=key, value=value) for key, value in keyed]
                producer.flush()
        finally:
            producer.close()
        if failed := sum(not future.succeeded() for future in futures):
            raise BenchmarkError(f"raw produce: {failed} sends failed")
        self.filled_topics[repeat] = topic
        return timing

    def raw_consume(self, repeat: int) -> Timing:
        consumer = self.joined_consumer(self.filled_topics[repeat])
        received = 0
        deadline = give_up_at()
        try:
            with timed() as timing:
                while received < self.count:
                    batches = consumer.poll(timeout_ms=POLL_TIMEOUT_MS, max_records=POLL_RECORDS)
                    received += sum(len(records) for records in batches.values())
                    check_deadline(deadline, "raw consume")
        finally:
            consumer.close()
        if received != self.count:
            raise BenchmarkError(f"raw consume: {received} messages, expected {self.count}")
        return timing

    def outbox_relay(self, database: Database, batch_size: int) -> Callable[[int], Timing]:
        def measure(repeat: int) -> Timing:
            topic = self.broker.new_topic("outbox")
            with fresh_schema(database.url()) as engine:
                self._fill_outbox(engine, topic)
                producer = self.warm_producer(topic)
                relay = OutboxRelay(engine, TABLES["outbox"], producer, batch_size=batch_size)
                published = 0
                deadline = give_up_at()
                try:
                    with timed() as timing:
                        while batch := relay.relay_once():
                            published += batch
                            check_deadline(deadline, "outbox relay")
                finally:
                    producer.close()
            if published != self.count:
                raise BenchmarkError(f"outbox relay: {published} sent, expected {self.count}")
            return timing

        return measure

    def _fill_outbox(self, engine: sa.Engine, topic: str) -> None:
        rows = [
            {
                "event_id": m.event_id,
                "topic": topic,
                "key": m.key,
                "value": m.value,
                "created_at": m.occurred_at,
            }
            for m in self.messages
        ]
        with engine.begin() as connection:
            connection.execute(TABLES["outbox"].insert(), rows)
            if connection.dialect.name == "postgresql":
                # The statistics autovacuum would have gathered on a live outbox.
                connection.exec_driver_sql("ANALYZE outbox")

    def consumer(self, database: Database) -> Callable[[int], Timing]:
        def measure(repeat: int) -> Timing:
            with fresh_schema(database.url()) as engine:
                dead_letters = make_producer(self.broker.bootstrap_servers)
                consumer = EventConsumer(
                    self.joined_consumer(self.filled_topics[repeat]),
                    dead_letters,
                    lambda: UnitOfWork(engine, TABLES, producer="bench"),
                    {CAMPAIGN_CREATED: record_campaign},
                )
                handled = 0
                deadline = give_up_at()
                try:
                    with timed() as timing:
                        while handled < self.count:
                            handled += consumer.poll_once(timeout_ms=POLL_TIMEOUT_MS)
                            check_deadline(deadline, "consumer")
                finally:
                    consumer.close()
                    dead_letters.close()
                self._check_handled_once(engine, self.count, "consumer")
            return timing

        return measure

    # --- the breakdown: parts of the consumer's work, without Kafka -------------------------

    def decode_only(self, repeat: int) -> Timing:
        with timed() as timing:
            for message in self.messages[: self.breakdown_count]:
                decode(message.value)
        return timing

    def compiled_decode_only(self, repeat: int) -> Timing:
        """What the consumer now runs: the compiled decoder, then the typed event."""
        with timed() as timing:
            for message in self.messages[: self.breakdown_count]:
                to_event(fast_decode(message.value))
        return timing

    def transactions_only(
        self, database: Database, *, flush_each_commit: bool = True
    ) -> Callable[[int], Timing]:
        """Per event, the unit of work that records the event id and runs the handler;
        no Kafka, no decoding."""

        # Typed before the clock starts: this row leaves decoding out.
        events = [
            (envelope, to_event(envelope)) for envelope in self.envelopes[: self.breakdown_count]
        ]

        def measure(repeat: int) -> Timing:
            with fresh_schema(database.url(), flush_each_commit=flush_each_commit) as engine:
                with timed() as timing:
                    for envelope, event in events:
                        with UnitOfWork(engine, TABLES, producer="bench") as uow:
                            if uow.first_time(envelope):
                                record_campaign(event, uow)
                                uow.commit()
                self._check_handled_once(engine, self.breakdown_count, "handler transactions")
            return timing

        return measure

    def handle_without_kafka(self, database: Database) -> Callable[[int], Timing]:
        """EventConsumer.handle (decode, then the unit of work) on records already in memory:
        the consumer's work minus fetching and offset commits."""
        records = [
            ConsumerRecord("bench", 0, -1, offset, -1, 0, m.key.encode(), m.value, [], None,
                           len(m.key), len(m.value), -1)
            for offset, m in enumerate(self.messages[: self.breakdown_count])
        ]  # fmt: skip

        def measure(repeat: int) -> Timing:
            with fresh_schema(database.url()) as engine:
                # handle() touches the Kafka clients only to dead-letter, which must not happen.
                consumer = EventConsumer(
                    None,
                    None,
                    lambda: UnitOfWork(engine, TABLES, producer="bench"),
                    {CAMPAIGN_CREATED: record_campaign},
                )
                with timed() as timing:
                    for record in records:
                        consumer.handle(record)
                self._check_handled_once(engine, self.breakdown_count, "handle without Kafka")
            return timing

        return measure

    def _check_handled_once(self, engine: sa.Engine, expected: int, what: str) -> None:
        processed = count_rows(engine, TABLES["processed_events"])
        seen = count_rows(engine, campaigns_seen)
        if (processed, seen) != (expected, expected):
            raise BenchmarkError(f"{what}: {processed} processed, {seen} handled, of {expected}")
