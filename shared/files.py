"""Files written once under their content's name (receipts, pictures): whole or not at all."""

from __future__ import annotations

import errno
import os
import uuid
from pathlib import Path

#: The disk, or the account's quota, has no room left.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})


class StorageFull(OSError):
    """No room to write a file: nothing of it was kept (the partial temporary file is gone).

    Apart from other OSErrors so that a request can answer "try again later" (503) for what an
    operator mends by freeing space, rather than a 500 that reads as a bug."""


def write_atomically(target: Path, content: bytes) -> None:
    """Write `content` to `target` so that a reader sees either nothing or all of it, even if
    the process dies midway: a temporary file beside it, synced, then renamed over it."""
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    try:
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
    except OSError as exc:
        # A full disk shows at the write, the flush, the fsync (delayed allocation) or even
        # at creating the file (no room for the directory entry).
        if exc.errno in _NO_ROOM and not isinstance(exc, StorageFull):
            raise StorageFull(exc.errno, f"no room to store {target.name}") from exc
        raise
