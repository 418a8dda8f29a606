"""Idempotent event consumption: decode, handle once in a database transaction, then commit offsets.

Each message is handled in its own unit of work that also records the event id; a redelivered
event finds its id and is skipped. Kafka offsets are committed only after the database commit,
so a crash in between means a redelivery, never a loss. A message that is not a valid event, or
whose handler keeps failing, goes to `<topic>.dlq` with its original bytes and the error in
headers, and the consumer moves on.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from shared.db import UnitOfWork
from shared.events import Envelope, InvalidEvent, decode
from shared.logging import get_logger
from shared.topics import dead_letter_topic

log = get_logger(__name__)

Handler = Callable[[Envelope, Any], None]

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

    def run(self, stop: threading.Event | None = None) -> None:
        """Consume until `stop` is set."""
        stop = stop or self._stop
        while not stop.is_set():
            self.poll_once(stop=stop)

    def poll_once(self, timeout_ms: int = 500, stop: threading.Event | None = None) -> int:
        """Handle one poll's worth of messages and commit their offsets; returns how many."""
        batches = self._consumer.poll(timeout_ms=timeout_ms)
        count = 0
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for partition, records in batches.items():
            for record in records:
                if stop is not None and stop.is_set():
                    break
                self.handle(record, stop)
                offsets[partition] = OffsetAndMetadata(record.offset + 1, "", -1)
                count += 1
        if offsets:
            self._consumer.commit(offsets)
        return count

    def handle(self, record: ConsumerRecord, stop: threading.Event | None = None) -> Outcome:
        try:
            envelope = decode(record.value)
        except InvalidEvent as exc:
            return self._dead_letter(record, f"invalid event: {exc}", attempts=0)

        handler = self._handlers.get(envelope.type)
        if handler is None:
            return Outcome("ignored")

        attempts = 0
        while True:
            try:
                return self._handle_once(envelope, handler)
            except TRANSIENT_ERRORS as exc:
                log.warning("consumer.database_unavailable", error=str(exc))
                waiter = stop or self._stop
                if waiter.wait(self._transient_backoff):
                    raise
            except Exception as exc:  # noqa: BLE001  (any handler failure counts as an attempt)
                attempts += 1
                log.warning(
                    "consumer.handler_failed",
                    event_id=str(envelope.event_id),
                    type=envelope.type,
                    attempt=attempts,
                    error=repr(exc),
                )
                if attempts >= self._max_attempts:
                    detail = "".join(traceback.format_exception_only(exc)).strip()
                    return self._dead_letter(record, detail, attempts=attempts)

    def _handle_once(self, envelope: Envelope, handler: Handler) -> Outcome:
        with self._uow_factory() as uow:
            if not uow.first_time(envelope):
                return Outcome("duplicate")
            handler(envelope, uow)
            uow.commit()
        return Outcome("handled")

    def _dead_letter(self, record: ConsumerRecord, error: str, attempts: int) -> Outcome:
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
        return Outcome("dead-lettered", error)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        with contextlib.suppress(KafkaError):
            self._consumer.close()
