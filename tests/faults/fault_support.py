"""What the fault tests share: the tally line each prints, a bare event pipeline to count
effects on, a broker of a test's own to kill, and waiting with a bound."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from infra.broker import LocalBroker, ensure_topics, find_free_port, jar_dir
from shared.consumer import EventConsumer
from shared.db import UnitOfWork, add_plumbing_tables
from shared.events import Envelope, encode, new_envelope
from shared.events.catalog import AccountRevoked
from shared.kafka import make_consumer, make_producer
from tests.conftest import unavailable

#: The key under which a test's tally line travels (pytest-xdist carries user properties from
#: the workers to the controller, which prints them all at the end: tests/conftest.py).
FAULT_PROPERTY = "fault"


@dataclass(frozen=True)
class Tally:
    """What one fault did to the events (or mails, or pledges) it was made against."""

    number: int
    name: str
    produced: int
    faults: int
    lost: int
    duplicated: int
    notes: str = ""

    def line(self) -> str:
        extra = f" {self.notes}" if self.notes else ""
        return (
            f"R{self.number} {self.name}: produced={self.produced} faults={self.faults} "
            f"lost={self.lost} duplicated={self.duplicated}{extra}"
        )


@pytest.fixture
def report(
    record_property: Callable[[str, object], None],
) -> Callable[..., Tally]:
    """Print a fault's tally line, keep it for the session summary, then insist on 0 and 0.

    The line is recorded before the asserts, so a failing fault still shows its counts."""

    def tally(
        number: int,
        name: str,
        *,
        produced: int,
        faults: int,
        lost: int,
        duplicated: int,
        **notes: object,
    ) -> Tally:
        result = Tally(
            number,
            name,
            produced,
            faults,
            lost,
            duplicated,
            " ".join(f"{key}={value}" for key, value in notes.items()),
        )
        print(result.line())
        record_property(FAULT_PROPERTY, result.line())
        assert result.lost == 0, result.line()
        assert result.duplicated == 0, result.line()
        return result

    return tally


def lost_and_duplicated(expected: Iterable[Any], seen: Iterable[Any]) -> tuple[int, int]:
    """(how many of `expected` never showed, how many showed more than once)."""
    counts = Counter(seen)
    lost = sum(1 for item in set(expected) if counts[item] == 0)
    duplicated = sum(count - 1 for count in counts.values() if count > 1)
    return lost, duplicated


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


# --- a bare pipeline: outbox → relay → Kafka → idempotent consumer → one effect per event ---

metadata = sa.MetaData()
TABLES = add_plumbing_tables(metadata)
#: One row per time a handler took effect: an event taken twice shows as two rows.
effects = sa.Table(
    "fault_effects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Uuid, nullable=False),
)


def create_plumbing(engine: sa.Engine) -> None:
    metadata.create_all(engine)


def record_effect(event: AccountRevoked, uow: UnitOfWork) -> None:
    uow.conn.execute(effects.insert().values(account_id=event.account_id))


def revocation() -> Envelope:
    """An event whose effect is recognisable: each one names an account of its own."""
    return new_envelope(
        "account.revoked",
        {"account_id": uuid.uuid4(), "reason": "fault test"},
        producer="test",
        campaign_id=None,
    )


def account_of(envelope: Envelope) -> uuid.UUID:
    account: uuid.UUID = envelope.payload["account_id"]
    return account


def effect_accounts(engine: sa.Engine) -> list[uuid.UUID]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(effects.c.account_id)).scalars())


def pipeline_consumer(
    kafka: str,
    topic: str,
    engine: sa.Engine,
    group: str,
    handlers: Mapping[str, Callable[[Any, UnitOfWork], None]] | None = None,
    **kafka_overrides: Any,
) -> EventConsumer:
    """The idempotent consumer the workers run, over the bare tables: `account.revoked`
    records its effect unless `handlers` say otherwise."""
    return EventConsumer(
        make_consumer(kafka, group, [topic], **kafka_overrides),
        make_producer(kafka),
        lambda: UnitOfWork(engine, TABLES, producer="test"),
        dict(handlers or {"account.revoked": record_effect}),
        max_attempts=3,
        transient_backoff=0.2,
    )


class ConsumerThread:
    """A worker's consumer loop (`EventConsumer.run`) in a thread; what ended it, if anything."""

    def __init__(self, consumer: EventConsumer) -> None:
        self.consumer = consumer
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.consumer.run(self.stop)
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            self.error = exc
        finally:
            self.consumer.close()

    def end(self) -> None:
        self.stop.set()
        self.thread.join(30)


def send(kafka: str, topic: str, messages: Iterable[tuple[bytes, bytes]]) -> None:
    """(key, value) pairs, in order, acked before returning."""
    producer = make_producer(kafka)
    for key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def send_events(kafka: str, topic: str, envelopes: Iterable[Envelope]) -> None:
    """Each keyed by its account, so they spread over the topic's partitions."""
    send(kafka, topic, ((str(account_of(e)).encode(), encode(e)) for e in envelopes))


def write_outbox(engine: sa.Engine, topic: str, count: int) -> list[Envelope]:
    """`count` events committed to the outbox, one transaction each, as requests would."""
    written = []
    for _ in range(count):
        with UnitOfWork(engine, TABLES, producer="test") as uow:
            envelope = revocation()
            uow.publish(topic, envelope)
            uow.commit()
        written.append(envelope)
    return written


def unsent_rows(engine: sa.Engine) -> int:
    outbox = TABLES["outbox"]
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))
            ).scalar_one()
        )


def drain(consumer: EventConsumer, until: Callable[[int], bool], timeout: float) -> int:
    """Poll until `until(handled so far)`, then a few polls more to catch late duplicates;
    returns how many messages were handled (duplicates included)."""
    handled = 0
    deadline = time.monotonic() + timeout
    while not until(handled):
        if time.monotonic() > deadline:
            pytest.fail(f"the consumer did not catch up in {timeout}s ({handled} handled)")
        handled += consumer.poll_once(timeout_ms=300)
    for _ in range(2):
        handled += consumer.poll_once(timeout_ms=300)
    return handled


def consume_until(
    kafka: str,
    topic: str,
    engine: sa.Engine,
    group: str,
    until: Callable[[int], bool],
    timeout: float,
) -> int:
    """A pipeline consumer in `group` drains `topic` (see `drain`), then leaves; returns how
    many messages it handled."""
    consumer = pipeline_consumer(kafka, topic, engine, group)
    try:
        return drain(consumer, until, timeout)
    finally:
        consumer.close()


# --- a broker of the test's own -------------------------------------------------------------


@pytest.fixture(scope="module")
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A broker only this module's tests use, to stop, kill and start again (the session's
    broker is everyone's). Shared by the module's tests on one xdist worker, since starting a
    broker costs ten seconds and more: each test starts it again if a test before it left it
    stopped, and reads only what it wrote."""
    broker = LocalBroker(
        tmp_path_factory.mktemp("fault-kafka"),
        port=find_free_port(),
        controller_port=find_free_port(),
    )
    try:
        broker.libs = jar_dir()
        broker.start()
    except Exception as exc:  # noqa: BLE001  (any failure to start means no broker)
        broker.stop()
        unavailable(f"could not start a local Kafka broker: {exc}")
    from shared.topics import ALL_TOPICS

    ensure_topics(broker.bootstrap_servers, ALL_TOPICS)
    yield broker
    broker.stop()


@pytest.fixture
def running_broker(own_broker: LocalBroker) -> LocalBroker:
    """The module's own broker, running."""
    own_broker.start()
    return own_broker


def kill_broker(broker: LocalBroker) -> None:
    """SIGKILL the broker, as a crash would, and wait until its process is gone."""
    pid = broker.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    broker.stop(timeout=10)  # reaps the process and clears the pid file
    assert broker.status() == "stopped"
