"""A worker whose offsets are refused because the group rebalanced mid-batch keeps consuming."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from kafka.errors import CommitFailedError, RebalanceInProgressError

from services.registry import bootstrap
from shared import worker
from tests.factories import service_settings


class _RefusedTwice:
    """Stands in for the EventConsumer: its first two runs end as kafka-python's commit does
    when the group rebalanced during the batch; the third runs until stopped."""

    def __init__(self, *_: Any, **__: Any) -> None:
        self.runs = 0
        self.running = threading.Event()
        self.closed = False

    def run(self, stop: threading.Event) -> None:
        self.runs += 1
        if self.runs == 1:
            raise CommitFailedError("IllegalGenerationError")
        if self.runs == 2:
            raise RebalanceInProgressError("the consumer is undergoing a rebalance")
        self.running.set()
        stop.wait()

    def close(self) -> None:
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
