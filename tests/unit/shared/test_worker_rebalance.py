"""A worker whose offsets are refused because the group rebalanced mid-batch keeps consuming."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from kafka.errors import CommitFailedError, KafkaConnectionError, RebalanceInProgressError

from services.registry import bootstrap
from shared import worker
from shared.stall import ConsumerStalled
from tests.factories import service_settings


class _RefusedTwice:
    """Stands in for the EventConsumer: its first two runs end as kafka-python's commit does
    when the group rebalanced during the batch; the third runs until stopped."""

    def __init__(self, *_: Any, **__: Any) -> None:
        self.runs = 0
        self.running = threading.Event()
        self.closed = False

    def run(self, stop: threading.Event, watch: Any = None) -> None:
        self.runs += 1
        if self.runs == 1:
            raise CommitFailedError("IllegalGenerationError")
        if self.runs == 2:
            raise RebalanceInProgressError("the consumer is undergoing a rebalance")
        self.running.set()
        stop.wait()

    def close(self, timeout_ms: int | None = None) -> None:
        self.closed = True


def test_offsets_refused_in_a_rebalance_do_not_end_the_consumer(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = _RefusedTwice()
    monkeypatch.setattr(worker, "EventConsumer", lambda *_, **__: consumer)
    monkeypatch.setattr(worker, "make_consumer", lambda *_, **__: mock.MagicMock())
    monkeypatch.setattr(worker, "make_producer", lambda *_, **__: mock.MagicMock())
    settings = service_settings("ledger", sqlite_url, tmp_path)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_worker, args=(bootstrap("ledger", settings), stop))
    thread.start()
    try:
        assert consumer.running.wait(10), "the consumer thread ended at the refused commit"
        assert consumer.runs == 3
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert consumer.closed


class _Stalls:
    """Stands in for the EventConsumer: the first one stalls (its StallWatch says so), the
    next runs until stopped."""

    made: list[_Stalls] = []

    def __init__(self, *_: Any, **__: Any) -> None:
        self.running = threading.Event()
        self.closed = False
        _Stalls.made.append(self)

    def run(self, stop: threading.Event, watch: Any = None) -> None:
        assert watch is not None, "the worker watches its consumer"
        if len(_Stalls.made) == 1:
            raise ConsumerStalled("4 messages waiting on 1 partitions, none fetched for 20 s")
        self.running.set()
        stop.wait()

    def close(self, timeout_ms: int | None = None) -> None:
        self.closed = True


def test_a_stalled_consumer_is_closed_and_replaced(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Stalls.made = []
    kafka_consumers: list[mock.MagicMock] = []

    def make_consumer(*_: Any, **__: Any) -> mock.MagicMock:
        kafka_consumers.append(mock.MagicMock())
        return kafka_consumers[-1]

    monkeypatch.setattr(worker, "EventConsumer", _Stalls)
    monkeypatch.setattr(worker, "make_consumer", make_consumer)
    monkeypatch.setattr(worker, "make_producer", lambda *_, **__: mock.MagicMock())
    settings = service_settings("ledger", sqlite_url, tmp_path)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_worker, args=(bootstrap("ledger", settings), stop))
    thread.start()
    try:
        assert eventually_running(_Stalls.made), "no second consumer"
        first, second = _Stalls.made
        assert first.closed and not second.closed
        assert len(kafka_consumers) == 2  # a new Kafka client, not the stalled one again
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert _Stalls.made[-1].closed


def eventually_running(made: list[_Stalls]) -> bool:
    for _ in range(100):
        if len(made) == 2:
            return made[1].running.wait(10)
        threading.Event().wait(0.1)
    return False


class _BlocksInPoll:
    """Stands in for the EventConsumer: the first one's poll never returns until kafka-python's
    pending waits are failed (as the stuck browser-test consumers did); the next runs until
    stopped."""

    made: list[_BlocksInPoll] = []

    def __init__(self, kafka_consumer: Any, *_: Any, **__: Any) -> None:
        self.kafka_consumer = kafka_consumer
        self.polling_since: float | None = None
        self.running = threading.Event()
        self.closed_with: list[int | None] = []
        _BlocksInPoll.made.append(self)

    def run(self, stop: threading.Event, watch: Any = None) -> None:
        if len(_BlocksInPoll.made) == 1:
            self.polling_since = 0.0  # since the clock began: long enough
            self.kafka_consumer.released.wait(30)
            raise KafkaConnectionError("interrupted")
        self.running.set()
        stop.wait()

    def close(self, timeout_ms: int | None = None) -> None:
        self.closed_with.append(timeout_ms)


def test_a_poll_stuck_in_kafka_python_is_interrupted_and_the_consumer_replaced(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _BlocksInPoll.made = []

    def make_consumer(*_: Any, **__: Any) -> mock.MagicMock:
        kafka_consumer = mock.MagicMock()
        kafka_consumer.released = threading.Event()
        kafka_consumer._net._fail_pending_waiters.side_effect = lambda exc: (
            kafka_consumer.released.set()
        )
        return kafka_consumer

    monkeypatch.setattr(worker, "EventConsumer", _BlocksInPoll)
    monkeypatch.setattr(worker, "make_consumer", make_consumer)
    monkeypatch.setattr(worker, "make_producer", lambda *_, **__: mock.MagicMock())
    monkeypatch.setattr(worker, "STUCK_POLL_SECONDS", 0.1)
    settings = service_settings("ledger", sqlite_url, tmp_path)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_worker, args=(bootstrap("ledger", settings), stop))
    thread.start()
    try:
        for _ in range(150):
            if len(_BlocksInPoll.made) == 2:
                break
            threading.Event().wait(0.1)
        assert len(_BlocksInPoll.made) == 2, "the stuck consumer was never replaced"
        assert _BlocksInPoll.made[1].running.wait(10)
        first = _BlocksInPoll.made[0]
        first.kafka_consumer._net._fail_pending_waiters.assert_called_once()
        assert first.closed_with == [2_000]  # closed without waiting long on its group
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
