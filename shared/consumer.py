"""Idempotent event consumption: decode to a typed event, handle it once, then commit offsets.

Each poll batch is handled in one unit of work that also records its events' ids; a redelivered
event finds its id and is skipped. The batch runs straight through first; only if an event fails
is it redone with each event in a savepoint of its own. Kafka offsets are committed only after
the database commit, so a crash in between means a redelivery, never a loss. A message that is
not a valid event, or whose handler keeps failing, goes to `<topic>.dlq` with its original bytes
and the error in headers, and the consumer moves on.
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import structlog
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from shared.db import UnitOfWork
from shared.events import Envelope, Event, InvalidEvent, to_event
from shared.events.compiled import fast_decode
from shared.logging import get_logger
from shared.stall import StallWatch
from shared.topics import dead_letter_topic

log = get_logger(__name__)

#: A handler with its dependencies bound: the typed event, and the batch's unit of work.
Handler = Callable[[Event, Any], None]

#: Errors that say the database is away, not that the message is bad: retried without limit.
TRANSIENT_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError)


@dataclass(frozen=True)
class Outcome:
    """What became of one message."""

    status: str  # "handled", "duplicate", "ignored" or "dead-lettered"
    error: str | None = None


class EventConsumer:
    def __init__(
        self,
        consumer: KafkaConsumer,
        dead_letters: KafkaProducer,
        uow_factory: Callable[[], UnitOfWork],
        handlers: Mapping[str, Handler],
        *,
        max_attempts: int = 3,
        transient_backoff: float = 1.0,
    ) -> None:
        self._consumer = consumer
        self._dead_letters = dead_letters
        self._uow_factory = uow_factory
        self._handlers = handlers
        self._max_attempts = max_attempts
        self._transient_backoff = transient_backoff
        self._stop = threading.Event()
        #: When the poll under way began (monotonic), for the worker's watch on stuck polls.
        self.polling_since: float | None = None

    def run(self, stop: threading.Event | None = None, watch: StallWatch | None = None) -> None:
        """Consume until `stop` is set; with `watch`, raise ConsumerStalled when the consumer
        gets nothing while it should (the worker then replaces it)."""
        stop = stop or self._stop
        while not stop.is_set():
            if self.poll_once(stop=stop):
                if watch:
                    watch.progressed()
            elif watch:
                watch.check()

    def poll_once(self, timeout_ms: int = 500, stop: threading.Event | None = None) -> int:
        """Handle one poll's worth of messages and commit their offsets; returns how many."""
        # No rebalance listener is needed: a batch is handled and its offsets committed before
        # the next poll, and partitions are only revoked inside poll, so none is ever half done.
        self.polling_since = time.monotonic()
        try:
            batches = self._consumer.poll(timeout_ms=timeout_ms)
        finally:
            self.polling_since = None
        records = [record for partition_records in batches.values() for record in partition_records]
        if not records:
            return 0
        self.handle_batch(records, stop)
        self._consumer.commit(
            {
                partition: OffsetAndMetadata(partition_records[-1].offset + 1, "", -1)
                for partition, partition_records in batches.items()
                if partition_records
            }
        )
        return len(records)

    def handle_batch(
        self, records: list[ConsumerRecord], stop: threading.Event | None = None
    ) -> list[Outcome]:
        """Handle `records` in one database transaction.

        One commit per batch rather than per event: the commit (and its flush to disk) is most
        of an event's cost. The batch is first run straight through, with no savepoint, so
        repositories may keep what they loaded for the rest of the batch and write it once at
        the commit. If any event fails there, that transaction is rolled back whole and the
        batch is redone carefully, each event in a savepoint of its own: a failing event then
        rolls back to its savepoint only and the others keep their effects. Poison messages are
        sent to the dead-letter topic after the commit, so a batch that has to be redone never
        parks a message twice.
        """
        while True:
            dead: list[tuple[ConsumerRecord, str, int]] = []
            try:
                outcomes = self._straight_through(records, dead)
                if outcomes is None:
                    dead = []
                    with self._uow_factory() as uow:
                        outcomes = [self._handle_in(uow, record, dead) for record in records]
                        uow.commit()
                break
            except TRANSIENT_ERRORS as exc:
                log.warning("consumer.database_unavailable", error=str(exc))
                if (stop or self._stop).wait(self._transient_backoff):
                    raise
        for record, error, attempts in dead:
            self._dead_letter(record, error, attempts)
        return outcomes

    def handle(self, record: ConsumerRecord, stop: threading.Event | None = None) -> Outcome:
        """Handle one message in a transaction of its own."""
        return self.handle_batch([record], stop)[0]

    def _straight_through(
        self, records: list[ConsumerRecord], dead: list[tuple[ConsumerRecord, str, int]]
    ) -> list[Outcome] | None:
        """The batch in one transaction with no savepoints; None (and nothing kept) if any
        handler or the commit failed, for the careful way to find out which one."""
        outcomes: list[Outcome | None] = [None] * len(records)
        todo: list[tuple[int, Envelope, Event]] = []
        for index, record in enumerate(records):
            decoded = self._decode(record, dead)
            if isinstance(decoded, Outcome):
                outcomes[index] = decoded
            else:
                todo.append((index, *decoded))
        with self._uow_factory() as uow:
            # Every event id recorded in one statement; a redelivered one is skipped.
            new = uow.first_times([envelope for _, envelope, _ in todo])
            uow.prepare([event for _, envelope, event in todo if envelope.event_id in new])
            for index, envelope, event in todo:
                if envelope.event_id not in new:
                    outcomes[index] = Outcome("duplicate")
                    continue
                new.discard(envelope.event_id)  # a second copy in this very batch
                structlog.contextvars.bind_contextvars(
                    event_id=str(envelope.event_id), type=envelope.type
                )
                try:
                    self._handlers[envelope.type](event, uow)
                except TRANSIENT_ERRORS:
                    raise
                except Exception as exc:  # noqa: BLE001  (the careful way will tell which one)
                    log.info(
                        "consumer.batch_redone", event_id=str(envelope.event_id), error=repr(exc)
                    )
                    return None
            try:
                uow.commit()
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:  # noqa: BLE001  (a refusal at the batch's writes)
                log.info("consumer.batch_redone", error=repr(exc))
                return None
        return [outcome or Outcome("handled") for outcome in outcomes]

    def _decode(
        self, record: ConsumerRecord, dead: list[tuple[ConsumerRecord, str, int]]
    ) -> Outcome | tuple[Envelope, Event]:
        """The message's envelope and typed event; or what became of it if it has no handler
        or is no valid event (then it is on its way to the dead-letter topic)."""
        structlog.contextvars.unbind_contextvars("event_id", "type")
        try:
            # Compiled; anything it refuses gets marshmallow's verdict and error, as before.
            envelope = fast_decode(record.value)
            if envelope.type not in self._handlers:
                return Outcome("ignored")
            return envelope, to_event(envelope)
        except InvalidEvent as exc:
            dead.append((record, f"invalid event: {exc}", 0))
            return Outcome("dead-lettered", str(exc))

    def _handle_in(
        self, uow: UnitOfWork, record: ConsumerRecord, dead: list[tuple[ConsumerRecord, str, int]]
    ) -> Outcome:
        decoded = self._decode(record, dead)
        if isinstance(decoded, Outcome):
            return decoded
        envelope, event = decoded
        handler = self._handlers[envelope.type]
        structlog.contextvars.bind_contextvars(event_id=str(envelope.event_id), type=envelope.type)

        error = "never attempted"
        for attempt in range(1, self._max_attempts + 1):
            savepoint = uow.conn.begin_nested()
            try:
                if not uow.first_time(envelope):
                    savepoint.commit()
                    return Outcome("duplicate")
                handler(event, uow)
                # What the handler changed, and its events, go out with the savepoint, or not
                # at all.
                uow.flush()
                savepoint.commit()
                return Outcome("handled")
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:  # noqa: BLE001  (any handler failure counts as an attempt)
                savepoint.rollback()
                # What repositories kept in memory was rolled back too.
                uow.forget()
                log.warning(
                    "consumer.handler_failed",
                    event_id=str(envelope.event_id),
                    type=envelope.type,
                    attempt=attempt,
                    error=repr(exc),
                )
                error = "".join(traceback.format_exception_only(exc)).strip()
        dead.append((record, error, self._max_attempts))
        return Outcome("dead-lettered", error)

    def _dead_letter(self, record: ConsumerRecord, error: str, attempts: int) -> None:
        headers = [
            ("error", error.encode()[:4000]),
            ("original_topic", record.topic.encode()),
            ("original_partition", str(record.partition).encode()),
            ("original_offset", str(record.offset).encode()),
            ("attempts", str(attempts).encode()),
        ]
        # Block until the broker has it: the offset is committed right after.
        self._dead_letters.send(
            dead_letter_topic(record.topic), key=record.key, value=record.value, headers=headers
        ).get(timeout=30)
        log.error("consumer.dead_lettered", topic=record.topic, offset=record.offset, error=error)

    def stop(self) -> None:
        self._stop.set()

    def close(self, timeout_ms: int | None = None) -> None:
        with contextlib.suppress(KafkaError):
            self._consumer.close(timeout_ms=timeout_ms)
