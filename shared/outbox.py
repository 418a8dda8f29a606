"""The outbox relay: publishes committed outbox rows to Kafka, in order, then marks them sent.

A row is marked sent only after the broker acknowledged it (acks=all), so a crash between the two
sends it again: consumers drop the duplicate by its event id. While Kafka is down the rows wait
and the API keeps accepting writes; the relay catches up when the broker returns.

Every worker process runs a relay, and a deployment runs several workers over one database. On
PostgreSQL only one of them relays at a time: the one whose own session holds the outbox's
advisory lock (`RelayLock`); the others stand by and try again every second, and when the
holder dies its session ends, the lock with it, and one of them takes over. One sender means
one producer's ordering guarantee per campaign and each row sent once, instead of every worker
sending every row. On SQLite every transaction takes the one write lock and a deployment runs
one worker per database file, so there is nothing to elect.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
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

#: How often a relay that is not the holder asks for the lock again: the longest a dead
#: holder's rows wait, once PostgreSQL has noticed its session is gone.
STANDBY_WAIT_SECONDS = 1.0


class RelayLock:
    """The right to relay one outbox, held by one process per database (PostgreSQL).

    A session-level `pg_try_advisory_lock` on a connection of its own, outside the engine's pool:
    a pooled connection goes back to the pool still holding a session lock (a reset on return
    rolls back, it does not unlock), and some unrelated request would then hold it. The relay
    reads and marks rows on this same connection, so whatever it writes, it writes while it
    still holds the lock: if the session died (PostgreSQL restarted, the network cut it), the
    statement fails, the connection is dropped and the lock is asked for again.
    """

    def __init__(self, engine: Engine, name: str) -> None:
        # A dedicated engine without a pool: one session, closed for good when dropped.
        self._engine = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
        self.key = advisory_key(name)
        self._connection: sa.Connection | None = None
        self.held = False

    @property
    def connection(self) -> sa.Connection:
        assert self._connection is not None and self.held
        return self._connection

    def acquire(self) -> bool:
        """Hold the lock (True) or learn that another session does (False)."""
        if self.held:
            return True
        try:
            if self._connection is None:
                self._connection = self._engine.connect()
            with self._connection.begin():
                self.held = bool(
                    self._connection.execute(
                        sa.select(sa.func.pg_try_advisory_lock(self.key))
                    ).scalar_one()
                )
        except sa.exc.DBAPIError:
            self.drop()
            raise
        return self.held

    def drop(self) -> None:
        """Let the lock go by ending the session (whatever state it is in)."""
        self.held = False
        if self._connection is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.invalidate()
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        self.drop()
        self._engine.dispose()


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for `name` (PostgreSQL's bigint)."""
    digest = hashlib.sha256(f"fundtrail.outbox-relay:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        outbox: sa.Table,
        producer: KafkaProducer,
        *,
        batch_size: int = 500,
        send_timeout: float = 30.0,
        lock_name: str | None = None,
    ) -> None:
        """`lock_name` names what the relays elect a holder for (default: the outbox table's
        name); give each service its own, so services sharing one database, in schemas of
        their own, never wait for each other's relay."""
        self._engine = engine
        self._outbox = outbox
        self._producer = producer
        self._batch_size = batch_size
        self._send_timeout = send_timeout
        self._lock = (
            RelayLock(engine, lock_name or outbox.name)
            if engine.dialect.name == "postgresql"
            else None
        )

    @property
    def relaying(self) -> bool:
        """Whether this relay may relay now: it holds the lock, or needs none (SQLite)."""
        return self._lock is None or self._lock.held

    def relay_once(self) -> int:
        """Publish up to one batch of unsent rows; returns how many were published (0 also
        when another process holds the right to relay).

        No database transaction is open while Kafka is talked to: waiting for a broker that is
        down can take `send_timeout` seconds, and on SQLite (every transaction takes the write
        lock) a lock held that long turned the API's writes into "database is locked".
        """
        if self._lock is not None and not self._lock.acquire():
            return 0
        rows = self._unsent_batch()
        if not rows:
            return 0
        sent, failure = self._send(rows)
        if sent:
            # A second short transaction. Should it fail, the rows go again: at least once.
            with self._transaction() as connection:
                connection.execute(
                    self._outbox.update()
                    .where(self._outbox.c.id.in_(sent))
                    .values(sent_at=datetime.now(UTC))
                )
        if failure is not None and not sent:
            raise failure
        return len(sent)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        """A short transaction: on the lock's own session where there is one (see RelayLock)."""
        if self._lock is None:
            with self._engine.begin() as connection:
                yield connection
            return
        connection = self._lock.connection
        try:
            with connection.begin():
                yield connection
        except sa.exc.DBAPIError:
            # The session may be gone, and the lock with it: never go on as if still holding it.
            self._lock.drop()
            raise

    def close(self) -> None:
        """Give the right to relay up at once (a dead process's is given up by PostgreSQL)."""
        if self._lock is not None:
            self._lock.close()

    def _unsent_batch(self) -> list[_Row]:
        outbox = self._outbox
        query = (
            sa.select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self._batch_size)
        )
        # No FOR UPDATE: its row locks would last until the sends end. On PostgreSQL the relay
        # lock keeps other relays out; should two overlap anyway (a holder cut off mid-send
        # while another takes over), both send rows oldest first, so a campaign's events
        # still first arrive in order, and consumers drop the duplicates by their event ids.
        with self._transaction() as connection:
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
        """Relay until `stop` is set, backing off while Kafka or the database is unreachable;
        a relay that is not the holder asks again every STANDBY_WAIT_SECONDS."""
        backoff = idle_wait
        was_relaying = False
        try:
            while not stop.is_set():
                try:
                    published = self.relay_once()
                    backoff = idle_wait
                except (KafkaError, sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                    log.warning("outbox.relay_unavailable", error=str(exc), retry_in=backoff)
                    published = 0
                    backoff = min(backoff * 2, max_backoff)
                if self.relaying != was_relaying:
                    was_relaying = self.relaying
                    log.info("outbox.relaying" if was_relaying else "outbox.standing_by")
                if not published:
                    stop.wait(backoff if self.relaying else max(backoff, STANDBY_WAIT_SECONDS))
        finally:
            self.close()
