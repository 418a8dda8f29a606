"""Reports rendered for readers before one is published (PDF and HTML): made once, kept on disk.

Until a campaign publishes a report, its report pages render one at the latest checkpoint. A
rendering is a function of what it is made from (the campaign, the signed checkpoint, the key),
so :class:`KeptRenderings` keeps it under ``<directory>/<campaign id>/<key>.<pdf|html>``,
``key`` being a digest of those inputs, and serves it again until they change; then the new one
replaces it. (The HTML is made in process, but from every leaf of the log: worth keeping too.)

Why on disk rather than in the ledger's database: a GET never writes to the database (on SQLite
a write holds the whole database's lock, and the books are what the database is for); a kept
rendering is a cache anybody may delete at any time, and it is made again on the next read.

At most one rendering of each form per campaign is under way at once, across threads and the
server's processes: a lock file per campaign and form (``flock``) guards it. A PDF reader
arriving while one is made is told to come back (:class:`~.rendering.RenderingBusy`) rather than
holding a server thread for as long as a rendering may take; an HTML reader, whose page takes
a moment, waits for it.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from services.ledger.reports.rendering import RETRY_AFTER, RenderingBusy

PDF = "pdf"
HTML = "html"


class KeptRenderings:
    """Kept renderings under ``directory``, the latest of each form per campaign."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get_or_make(
        self,
        campaign_id: uuid.UUID,
        key: str,
        form: str,
        make: Callable[[], bytes],
        *,
        wait: bool = False,
    ) -> bytes:
        """The rendering in ``form`` (``pdf`` or ``html``) kept under ``key``, or the one
        ``make`` renders now (and keeps). While another reader's rendering of this campaign and
        form is under way: wait for it when ``wait``, else :class:`RenderingBusy`."""
        folder = self.directory / str(campaign_id)
        path = folder / f"{key}.{form}"
        kept = _read(path)
        if kept is not None:
            return kept
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f".rendering-{form}.lock", "a+b") as lock:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise RenderingBusy(
                    "This campaign's report is being prepared; it will be ready in a moment.",
                    RETRY_AFTER,
                ) from None
            # Made by another reader between the first look and the lock?
            kept = _read(path)
            if kept is not None:
                return kept
            content = make()
            partial = folder / f"{key}.{uuid.uuid4().hex}.part"
            partial.write_bytes(content)
            os.replace(partial, path)  # readers see the whole file or none
            for older in folder.glob(f"*.{form}"):
                if older != path:
                    older.unlink(missing_ok=True)
            return content


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
