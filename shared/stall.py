"""Telling a stalled Kafka consumer from an idle one.

kafka-python 3.0.12 can leave a consumer that polls without ever getting records: it never
finds its group's coordinator, or it stops fetching partitions that have messages waiting
(seen in the browser tests, a few times in a hundred worker starts; docs/operations.md). Such a
consumer looks exactly like an idle one from outside. A fresh consumer in the same group
starts from the committed offsets, and the consumers are idempotent, so replacing a stalled one
loses and doubles nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kafka import KafkaConsumer
from kafka.errors import KafkaConnectionError, KafkaError

#: How long a consumer may get no records, with messages waiting or without a coordinator,
#: before it counts as stalled. Longer than a rebalance takes (the session timeout is 10 s).
STALL_SECONDS = 20.0
#: How long one poll (asked to return within half a second) may block before it is
#: interrupted: longer than a group join normally takes.
STUCK_POLL_SECONDS = 20.0


class ConsumerStalled(Exception):
    """The consumer gets nothing while it should; the message says why we think so."""


class StallWatch:
    """Checks, after each empty poll, whether `consumer` has stopped making progress."""

    def __init__(
        self,
        consumer: KafkaConsumer,
        patience: float = STALL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._consumer = consumer
        self._patience = patience
        self._clock = clock
        self._since = clock()

    def progressed(self) -> None:
        self._since = self._clock()

    def check(self) -> None:
        """Raise ConsumerStalled once nothing came for `patience` seconds while the group's
        coordinator was unknown or assigned partitions had messages past our position. Asks the
        broker at most once per `patience`, so an idle consumer costs one request a while."""
        idle = self._clock() - self._since
        if idle < self._patience:
            return
        self._since = self._clock()
        if _coordinator_unknown(self._consumer):
            raise ConsumerStalled(f"no group coordinator for {idle:.0f} s")
        assigned = list(self._consumer.assignment())
        if not assigned:
            return  # more consumers than partitions: idle by design
        try:
            ends = self._consumer.end_offsets(assigned)
            positions = {tp: self._consumer.position(tp) for tp in assigned}
        except KafkaError:
            return  # the broker is away: nothing to tell, and a new consumer would fare no better
        waiting = {
            tp: ends[tp] - positions[tp]
            for tp in assigned
            if tp in ends and positions[tp] is not None and ends[tp] > positions[tp]
        }
        if waiting:
            raise ConsumerStalled(
                f"{sum(waiting.values())} messages waiting on {len(waiting)} partitions, "
                f"none fetched for {idle:.0f} s"
            )


def _coordinator_unknown(consumer: KafkaConsumer) -> bool:
    # kafka-python keeps this on a private attribute; without it, trust the lag check alone.
    coordinator = getattr(consumer, "_coordinator", None)
    return bool(coordinator is not None and coordinator.coordinator_unknown())


def interrupt_poll(consumer: KafkaConsumer, reason: str) -> bool:
    """Make a poll blocked in kafka-python return, from another thread: its waits on the I/O
    thread fail with KafkaConnectionError, and the worker then replaces the consumer.

    Seen in the browser tests: a poll waiting for ever on a request the I/O thread never ran,
    with that thread idle (`ensure_coordinator_ready`, `send_fetches`). kafka-python has no
    public call for this; without the private hook, nothing is done and False is returned."""
    net = getattr(consumer, "_net", None)
    fail_waiters = getattr(net, "_fail_pending_waiters", None)
    if fail_waiters is None:
        return False
    fail_waiters(KafkaConnectionError(f"interrupted by Fundtrail's worker: {reason}"))
    return True
