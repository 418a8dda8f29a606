"""A worker process that kills itself with SIGKILL at one chosen point, for R3, R4 and R5.

    python -m tests.faults.crashing_worker MODE DATABASE_URL KAFKA TOPIC GROUP [N]

MODE says where the kill lands:

- `after-publish`: relays the outbox in batches of N; the first batch is published and acked,
  then the process dies before marking it sent, while the rows after it were committed and
  never published (R3: between the database commit and the publish);
- `before-offset-commit`: consumes one poll batch, commits it to the database, and dies as it
  commits the Kafka offsets (R4);
- `mid-batch`: consumes, and dies inside the handler of the Nth event, its batch's
  transaction open (R5).

No clean-up runs (that is the point): no `finally`, no `atexit`, no producer flush.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from shared.db import UnitOfWork, make_engine
from shared.kafka import make_producer
from shared.outbox import OutboxRelay
from tests.faults.fault_support import TABLES, pipeline_consumer, record_effect

#: What the parent waits for on stdout before it expects the kill (a line each).
READY = "ready"


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class DiesAfterAcks:
    """A real producer; the process dies right after the broker acknowledged the batch."""

    def __init__(self, producer: Any) -> None:
        self._producer = producer

    def send(self, *args: Any, **kwargs: Any) -> Any:
        return self._producer.send(*args, **kwargs)

    def flush(self, timeout: float | None = None) -> None:
        self._producer.flush(timeout=timeout)
        die()


def main(mode: str, database_url: str, kafka: str, topic: str, group: str, n: int) -> None:
    engine = make_engine(database_url)
    print(READY, flush=True)
    if mode == "after-publish":
        producer = DiesAfterAcks(make_producer(kafka))
        OutboxRelay(engine, TABLES["outbox"], producer, batch_size=n).relay_once()  # type: ignore[arg-type]
    elif mode in ("before-offset-commit", "mid-batch"):
        handled = 0

        def handler(event: Any, uow: UnitOfWork) -> None:
            nonlocal handled
            handled += 1
            if mode == "mid-batch" and handled == n:
                die()
            record_effect(event, uow)

        # The group's smallest session: the broker notices the dead member in six seconds.
        consumer = pipeline_consumer(
            kafka,
            topic,
            engine,
            group,
            {"account.revoked": handler},
            session_timeout_ms=6_000,
        )
        if mode == "before-offset-commit":
            consumer._consumer.commit = lambda *_args, **_kwargs: die()  # type: ignore[method-assign]
        while True:
            consumer.poll_once(timeout_ms=500)
    raise SystemExit(f"{mode}: the kill never came")


if __name__ == "__main__":
    mode, database_url, kafka, topic, group, *rest = sys.argv[1:]
    main(mode, database_url, kafka, topic, group, int(rest[0]) if rest else 0)
