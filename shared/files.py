"""Files written once under their content's name (receipts, pictures): whole or not at all."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_atomically(target: Path, content: bytes) -> None:
    """Write `content` to `target` so that a reader sees either nothing or all of it, even if
    the process dies midway: a temporary file beside it, synced, then renamed over it."""
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        # Same bytes under the same name: whichever of two racing writers lands last wins.
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
