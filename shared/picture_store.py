"""Where published pictures live: by the picture's SHA-256 and width, never changed once written.

Like the ledger's receipts (`services/ledger/adapters/receipts.py`): content-addressed files
written atomically, so the same upload twice is one file and a reader never sees half a file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from shared.files import write_atomically
from shared.images import Picture

_SHA256 = re.compile(r"[0-9a-f]{64}")


class PictureStore(Protocol):
    """Keeps each rendition of a picture under the picture's SHA-256 and the width."""

    def put(self, picture: Picture) -> str:
        """Store every rendition (a no-op for those already there); return the SHA-256."""
        ...

    def get(self, sha256: str, width: int) -> bytes | None:
        """The JPEG of that picture at that width, or None."""
        ...


class FileSystemPictureStore:
    """Renditions as files `<root>/<ab>/<abcdef…>/<width>.jpg`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, picture: Picture) -> str:
        folder = self.root / picture.sha256[:2] / picture.sha256
        folder.mkdir(parents=True, exist_ok=True)
        for rendition in picture.renditions:
            target = folder / f"{rendition.width}.jpg"
            if not target.exists():
                write_atomically(target, rendition.jpeg)
        return picture.sha256

    def get(self, sha256: str, width: int) -> bytes | None:
        if not _SHA256.fullmatch(sha256):
            return None
        try:
            return (self.root / sha256[:2] / sha256 / f"{int(width)}.jpg").read_bytes()
        except FileNotFoundError:
            return None


class MemoryPictureStore:
    """A dict-backed PictureStore for unit tests."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, int], bytes] = {}

    def put(self, picture: Picture) -> str:
        for rendition in picture.renditions:
            self.files.setdefault((picture.sha256, rendition.width), rendition.jpeg)
        return picture.sha256

    def get(self, sha256: str, width: int) -> bytes | None:
        return self.files.get((sha256, width))
