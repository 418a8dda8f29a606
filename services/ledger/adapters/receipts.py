"""Where receipt files live: content-addressed by SHA-256, behind a small protocol."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

from shared.files import write_atomically

_SHA256 = re.compile(r"[0-9a-f]{64}")


class ReceiptStore(Protocol):
    """Keeps receipt files by the hex SHA-256 of their bytes."""

    def put(self, content: bytes) -> str:
        """Store `content` (a no-op when it is already there); return its SHA-256."""
        ...

    def get(self, sha256: str) -> bytes | None:
        """The file with that SHA-256, or None."""
        ...


class FileSystemReceiptStore:
    """Receipts as files `<root>/<ab>/<abcdef…>`, written atomically and never changed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        target = self._path(sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, content)
        return sha256

    def get(self, sha256: str) -> bytes | None:
        if not _SHA256.fullmatch(sha256):
            return None
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256


class MemoryReceiptStore:
    """A dict-backed ReceiptStore for unit tests."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        self.files.setdefault(sha256, content)
        return sha256

    def get(self, sha256: str) -> bytes | None:
        return self.files.get(sha256)
