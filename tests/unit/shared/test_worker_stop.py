"""A worker stops promptly even when kafka-python is stuck (issue 17: 10 s at Ctrl-C)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from services.registry import bootstrap
from shared import worker
from tests.factories import service_settings

STUCK_SECONDS = 8.0


class _StuckConsumer:
    """Stands in for a KafkaConsumer blocked in a group re-join: its poll ignores `stop`."""

    def __init__(self) -> None:
        self.polling = threading.Event()

    def poll(self, timeout_ms: int = 0, **_: Any) -> dict[Any, Any]:
        self.polling.set()
        time.sleep(STUCK_SECONDS)
        return {}

    def close(self, **_: Any) -> None:
        pass


def test_a_worker_stuck_in_kafka_stops_within_its_grace(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck = _StuckConsumer()
    monkeypatch.setattr(worker, "make_consumer", lambda *_, **__: stuck)
    monkeypatch.setattr(worker, "make_producer", lambda *_, **__: mock.MagicMock())
    settings = service_settings("ledger", sqlite_url, tmp_path)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_worker, args=(bootstrap("ledger", settings), stop))
    thread.start()
    assert stuck.polling.wait(10), "the consumer never polled"

    stopped_at = time.monotonic()
    stop.set()
    thread.join(STUCK_SECONDS)
    took = time.monotonic() - stopped_at
    assert not thread.is_alive()
    assert took < worker.STOP_GRACE_SECONDS + 1.0 < STUCK_SECONDS
