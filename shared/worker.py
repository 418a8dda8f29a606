"""A service's background process: its outbox relay and its event consumer, side by side."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

import sqlalchemy as sa
from kafka import KafkaConsumer
from kafka.errors import CommitFailedError, KafkaError, RebalanceInProgressError

from shared.bootstrap import BackgroundJob, Dependencies
from shared.consumer import EventConsumer
from shared.kafka import make_consumer, make_producer
from shared.logging import configure_logging, get_logger
from shared.outbox import OutboxRelay
from shared.stall import STUCK_POLL_SECONDS, ConsumerStalled, StallWatch, interrupt_poll

T = TypeVar("T")

log = get_logger(__name__)

#: How long a stopping worker waits for its threads to finish what they are doing.
STOP_GRACE_SECONDS = 2.0


def run_worker(dependencies: Dependencies, stop: threading.Event | None = None) -> None:
    """Relay the outbox and consume the service's topics until SIGTERM/SIGINT (or `stop`).

    Built from the same composition root as the service's app (Flask's worker pattern).
    """
    spec, settings = dependencies.spec, dependencies.settings
    configure_logging(settings.log_format)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():

        def request_stop(signum: int, _frame: FrameType | None) -> None:
            log.info("worker.stopping", signal=signum)
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)

    engine = dependencies.engine
    servers = settings.kafka_bootstrap_servers
    threads = [
        threading.Thread(
            target=_relay,
            args=(spec.name, engine, spec.tables, servers, stop),
            name="relay",
            daemon=True,
        )
    ]
    if spec.topics:
        threads.append(
            threading.Thread(
                target=_consume,
                args=(dependencies, stop),
                name="consumer",
                daemon=True,
            )
        )
    threads += [
        threading.Thread(target=_every, args=(job, stop), name=job.name, daemon=True)
        for job in dependencies.background_jobs()
    ]
    for thread in threads:
        thread.start()
    log.info("worker.started", service=spec.name, topics=list(spec.topics))
    while not stop.is_set() and any(thread.is_alive() for thread in threads):
        stop.wait(0.5)
    # kafka-python can block far longer than a poll's timeout, without looking at `stop` (a
    # group re-join after a restart took 10 s). Leaving a thread then is safe: offsets are
    # committed only after the database, so what it was doing is redelivered and deduplicated,
    # exactly as after a kill -9.
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    busy = [thread.name for thread in threads if thread.is_alive()]
    if busy:
        log.warning("worker.left_busy_threads", threads=busy, grace_seconds=STOP_GRACE_SECONDS)
    engine.dispose()
    log.info("worker.stopped", service=settings.service)


def _relay(
    service: str,
    engine: sa.Engine,
    tables: dict[str, sa.Table],
    servers: str,
    stop: threading.Event,
) -> None:
    producer = _retrying(lambda: make_producer(servers, max_block_ms=10_000), stop)
    if producer is None:
        return
    try:
        relay = OutboxRelay(engine, tables["outbox"], producer, lock_name=f"{service}.outbox")
        relay.run(stop)
    finally:
        producer.close(timeout=5)


def _consume(dependencies: Dependencies, stop: threading.Event) -> None:
    """Consume until `stop`; a consumer that stalls is closed and replaced by a new one."""
    while not stop.is_set():
        try:
            _consume_with_one_consumer(dependencies, stop)
        except ConsumerStalled as stalled:
            # Its offsets are committed up to the last batch it handled: the new consumer in
            # the same group goes on from there (shared/stall.py).
            log.warning("worker.consumer_stalled", reason=str(stalled), action="replaced")


def _consume_with_one_consumer(dependencies: Dependencies, stop: threading.Event) -> None:
    spec, settings = dependencies.spec, dependencies.settings
    servers = settings.kafka_bootstrap_servers
    clients = _retrying(
        lambda: (
            make_consumer(servers, settings.consumer_group, spec.topics),
            make_producer(servers, max_block_ms=10_000),
        ),
        stop,
    )
    if clients is None:
        return
    kafka_consumer, dead_letters = clients
    consumer = EventConsumer(
        kafka_consumer,
        dead_letters,
        dependencies.uow_factory,
        dependencies.event_handlers(),
        max_attempts=settings.consumer_max_attempts,
    )
    watch = StallWatch(kafka_consumer)
    replaced = False
    interrupted: list[str] = []
    polls_done = threading.Event()
    threading.Thread(
        target=_watch_polls,
        args=(consumer, kafka_consumer, interrupted, polls_done),
        name="consumer-watch",
        daemon=True,
    ).start()
    try:
        while not stop.is_set():
            try:
                consumer.run(stop, watch)
            except (CommitFailedError, RebalanceInProgressError) as exc:
                # The group rebalanced while this batch was being handled (a worker joined, or
                # one died): its partitions may be another member's by now, so its offsets were
                # refused. The database has the batch; whoever reads those partitions next gets
                # it again and skips it by its event ids. The next poll re-joins the group;
                # letting the error end the thread would leave a worker that consumes nothing.
                log.warning("worker.offsets_refused_in_rebalance", error=str(exc))
            except KafkaError as exc:
                if not interrupted:
                    raise
                raise ConsumerStalled(interrupted[0]) from exc
    except ConsumerStalled:
        replaced = True
        raise
    finally:
        polls_done.set()
        # A stalled consumer's goodbye to its group may never be answered: do not wait long.
        consumer.close(timeout_ms=2_000 if replaced else None)
        dead_letters.close(timeout=5)


def _watch_polls(
    consumer: EventConsumer,
    kafka_consumer: KafkaConsumer,
    interrupted: list[str],
    done: threading.Event,
) -> None:
    """Interrupt a poll that has blocked for STUCK_POLL_SECONDS (shared/stall.py)."""
    while not done.wait(2):
        since = getattr(consumer, "polling_since", None)
        if since is None or time.monotonic() - since < STUCK_POLL_SECONDS:
            continue
        reason = f"a poll blocked for {time.monotonic() - since:.0f} s"
        interrupted.append(reason)
        if interrupt_poll(kafka_consumer, reason):
            log.warning("worker.poll_interrupted", reason=reason)
        return


def _every(job: BackgroundJob, stop: threading.Event) -> None:
    """Run `job` until `stop`; a failing round is logged and the next one tries again."""
    while not stop.is_set():
        try:
            job.run()
        except Exception:  # noqa: BLE001  (the job's own errors must not end the worker)
            log.exception("worker.job_failed", job=job.name)
        stop.wait(job.every)


def _retrying(connect: Callable[[], T], stop: threading.Event) -> T | None:
    """Connect to Kafka, waiting for it to come up rather than dying (it may start later)."""
    from kafka.errors import KafkaError

    delay = 0.5
    while not stop.is_set():
        try:
            return connect()
        except KafkaError as exc:
            log.warning("worker.kafka_unavailable", error=str(exc), retry_in=delay)
            stop.wait(delay)
            delay = min(delay * 2, 10)
    return None
