"""Share cards kept on disk by what they show, so a link pasted into a chat of thousands is
drawn once: every crawler after the first gets the file.

A card is named by `CardFacts.key()`; one request draws a given card while the others asking
for it wait for that drawing (not a drawing each), and at most `max_renders` different cards
are drawn at once per process. One more waits a few seconds, then is told to come back
(`CardBusy`, a 503 with Retry-After), as the ledger's report renderer does.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

#: Seconds a request waits for a drawing slot before being told to come back.
WAIT_FOR_SLOT = 5.0
RETRY_AFTER = 5


class CardBusy(Exception):
    """Every drawing slot stayed taken: come back in `RETRY_AFTER` seconds."""


@dataclass(frozen=True)
class CachedCard:
    data: bytes
    key: str
    made_at: datetime


class CardCache:
    """Cards under `folder`, at most `max_renders` drawn at once."""

    def __init__(self, folder: Path, max_renders: int, wait: float = WAIT_FOR_SLOT) -> None:
        if max_renders < 1:
            raise ValueError("max_renders must be at least 1")
        self.folder = folder
        self.wait = wait
        self._slots = threading.BoundedSemaphore(max_renders)
        self._guard = threading.Lock()
        self._drawing: dict[str, threading.Lock] = {}

    def card(self, key: str, suffix: str, draw: Callable[[], bytes]) -> CachedCard:
        """The card named `key`, drawn by `draw` only when no copy is on disk."""
        path = self.folder / f"{key}.{suffix}"
        found = _read(path, key)
        if found is not None:
            return found
        with self._guard:
            lock = self._drawing.setdefault(key, threading.Lock())
        try:
            with lock:
                found = _read(path, key)  # drawn by the request this one waited for
                if found is not None:
                    return found
                if not self._slots.acquire(timeout=self.wait):
                    raise CardBusy()
                try:
                    data = draw()
                finally:
                    self._slots.release()
                _write(path, data)
        finally:
            with self._guard:
                self._drawing.pop(key, None)
        return CachedCard(data, key, datetime.now(UTC))


def _read(path: Path, key: str) -> CachedCard | None:
    try:
        data = path.read_bytes()
        made = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return None
    return CachedCard(data, key, made)


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: another process reading the folder never sees half a card."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
