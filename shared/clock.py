"""The clock every service reads: time is UTC inside, and tests may hand in their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: What a handler or route asks the time of; the composition root holds the real one.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
