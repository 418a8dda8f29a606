"""The outbox relay: publishes committed outbox rows to Kafka, in order, then marks them sent.

A row is marked sent only after the broker acknowledged it (acks=all), so a crash between the two
sends it again: consumers drop the duplicate by its event id. While Kafka is down the rows wait
and the API keeps accepting writes; the relay catches up when the broker returns.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import sqlalchemy as sa
from kafka import KafkaProducer
from kafka.errors import KafkaError
from sqlalchemy.engine import Engine

from shared.logging import get_logger

log = get_logger(__name__)


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
        """Publish up to one batch of unsent rows; returns how many were published."""
        outbox = self._outbox
        query = (
            sa.select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self._batch_size)
        )
        with self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # A second relay (a redeploy overlapping the old one) skips rows being sent.
                query = query.with_for_update(skip_locked=True)
            rows = connection.execute(query).all()
            if not rows:
                return 0
            futures = [
                (row.id, self._producer.send(row.topic, key=row.key.encode(), value=row.value))
                for row in rows
            ]
            self._producer.flush(timeout=self._send_timeout)
            sent: list[int] = []
            for row_id, future in futures:
                # Stop at the first failure: marking later rows sent could reorder a campaign.
                if not future.succeeded():
                    log.warning("outbox.send_failed", row_id=row_id, error=str(future.exception))
                    break
                sent.append(row_id)
            if sent:
                connection.execute(
                    outbox.update().where(outbox.c.id.in_(sent)).values(sent_at=datetime.now(UTC))
                )
        return len(sent)

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
