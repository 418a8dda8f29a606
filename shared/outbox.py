"""The outbox relay: publishes committed outbox rows to Kafka, in order, then marks them sent.

A row is marked sent only after the broker acknowledged it (acks=all), so a crash between the two
sends it again: consumers drop the duplicate by its event id. While Kafka is down the rows wait
and the API keeps accepting writes; the relay catches up when the broker returns.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from kafka import KafkaProducer
from kafka.errors import KafkaError
from sqlalchemy.engine import Engine

from shared.logging import get_logger

log = get_logger(__name__)

#: An outbox row as the relay reads it: (id, topic, key, value).
_Row = sa.Row[Any, Any, Any, Any]


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        outbox: sa.Table,
        producer: KafkaProducer,
        *,
        batch_size: int = 500,
        send_timeout: float = 30.0,
    ) -> None:
        self._engine = engine
        self._outbox = outbox
        self._producer = producer
        self._batch_size = batch_size
        self._send_timeout = send_timeout

    def relay_once(self) -> int:
        """Publish up to one batch of unsent rows; returns how many were published.

        No database transaction is open while Kafka is talked to: waiting for a broker that is
        down can take `send_timeout` seconds, and on SQLite (every transaction takes the write
        lock) a lock held that long turned the API's writes into "database is locked".
        """
        rows = self._unsent_batch()
        if not rows:
            return 0
        sent, failure = self._send(rows)
        if sent:
            # A second short transaction. Should it fail, the rows go again: at least once.
            with self._engine.begin() as connection:
                connection.execute(
                    self._outbox.update()
                    .where(self._outbox.c.id.in_(sent))
                    .values(sent_at=datetime.now(UTC))
                )
        if failure is not None and not sent:
            raise failure
        return len(sent)

    def _unsent_batch(self) -> list[_Row]:
        outbox = self._outbox
        query = (
            sa.select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self._batch_size)
        )
        # No FOR UPDATE: its row locks would last until the sends end. Two relays overlapping
        # (a redeploy) may both send a row; consumers drop the duplicate by its event id.
        with self._engine.begin() as connection:
            return list(connection.execute(query).all())

    def _send(self, rows: list[_Row]) -> tuple[list[int], KafkaError | None]:
        """Send `rows` in order and wait for the acks: the ids acked before the first failure."""
        futures = []
        failure: KafkaError | None = None
        try:
            for row in rows:
                future = self._producer.send(row.topic, key=row.key.encode(), value=row.value)
                futures.append((row.id, future))
            self._producer.flush(timeout=self._send_timeout)
        except KafkaError as exc:  # no metadata, or acks not in time: keep what was acked
            failure = exc
        sent: list[int] = []
        for row_id, future in futures:
            # Stop at the first failure: marking later rows sent could reorder a campaign.
            if not future.succeeded():
                if failure is None:
                    log.warning("outbox.send_failed", row_id=row_id, error=str(future.exception))
                break
            sent.append(row_id)
        return sent, failure

    def run(self, stop: threading.Event, idle_wait: float = 0.2, max_backoff: float = 10.0) -> None:
        """Relay until `stop` is set, backing off while Kafka or the database is unreachable."""
        backoff = idle_wait
        while not stop.is_set():
            try:
                published = self.relay_once()
                backoff = idle_wait
            except (KafkaError, sa.exc.OperationalError) as exc:
                log.warning("outbox.relay_unavailable", error=str(exc), retry_in=backoff)
                published = 0
                backoff = min(backoff * 2, max_backoff)
            if not published:
                stop.wait(backoff)
