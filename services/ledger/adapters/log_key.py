"""The log's signing key on disk: made on first run (mode 0600), read on every later one."""

from __future__ import annotations

import os
import uuid
from functools import lru_cache
from pathlib import Path

from services.ledger.domain.signed_note import Signer, generate_signer


def load_or_create_log_signer(path: Path, name: str) -> Signer:
    """The Ed25519 signer in `path` (the C2SP `PRIVATE+KEY+…` form), created if missing.

    `name` is only used for a new key; an existing key keeps the name it was made with, since
    its verifier key (and every signature made with it) carries that name.
    """
    if path.exists():
        return _read(path, path.stat().st_mtime_ns)
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = generate_signer(name)
    # Written whole to a private temporary file, then linked into place: link() refuses an
    # existing name, so when two processes start at once one key wins and neither can read a
    # half-written file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(signer.skey + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)
    except FileExistsError:
        return _read(path, path.stat().st_mtime_ns)
    finally:
        temporary.unlink(missing_ok=True)
    return signer


@lru_cache(maxsize=16)
def _read(path: Path, _mtime_ns: int) -> Signer:
    # Cached by modification time: workers sign often, and a replaced key file is re-read.
    return Signer.from_skey(path.read_text())
