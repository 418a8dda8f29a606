"""R10: the disk fills up while a receipt is being stored.

A tiny tmpfs needs root, so the full disk is injected where the real receipt store meets the
operating system: `shared.files` (what `FileSystemReceiptStore` writes through) sees a file
whose `write` puts half the bytes on disk and then fails with ENOSPC, as a full filesystem
does. Everything above it — the atomic write's clean-up, the store, the handler's transaction,
the API's answer — is the product's own code.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import shared.files
from tests.factories import DeadLetters, make_app
from tests.faults.fault_support import lost_and_duplicated
from tests.integration.ledger.ledger_support import ORIGIN, Ledger, pdf_bytes, post_expense


class FullDisk:
    """An `os` for `shared.files` whose files take half of what is written, then ENOSPC."""

    def __init__(self) -> None:
        self.refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def fdopen(self, fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        real = os.fdopen(fd, mode, *args, **kwargs)
        disk = self

        def write(content: bytes) -> int:
            real.raw.write(content[: len(content) // 2])  # what fitted before the disk filled
            disk.refused += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        return _Closing(real, write)


class _Closing:
    """The file as a context manager that closes the real file whatever happens."""

    def __init__(self, real: Any, write: Callable[[bytes], int]) -> None:
        self._real, self.write = real, write

    def __enter__(self) -> _Closing:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._real.close()

    def flush(self) -> None:
        self._real.flush()

    def fileno(self) -> int:
        return int(self._real.fileno())


@pytest.fixture
def ledger(tmp_path: Path, sqlite_url: str) -> Iterator[Ledger]:
    app = make_app(
        "ledger", sqlite_url, tmp_path, extra={"checkpoint_interval": 0, "log_origin": ORIGIN}
    )
    ledger = Ledger(app, tmp_path, DeadLetters())
    yield ledger
    ledger.engine.dispose()


def files_under(folder: Path) -> list[Path]:
    """Every file, temporary dot-files included."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_r10_a_full_disk_while_storing_a_receipt_is_a_503_and_leaves_nothing_half_written(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, report: Callable[..., Any]
) -> None:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 50_000)
    first = post_expense(ledger, campaign_id, token, description="Dice", receipt=pdf_bytes("1"))
    assert first.status_code == 201, first.json
    receipts = ledger.var_dir / "receipts"
    counts_before, files_before = ledger.counts(), files_under(receipts)

    full = FullDisk()
    monkeypatch.setattr(shared.files, "os", full)
    refused = post_expense(ledger, campaign_id, token, description="Boxes", receipt=pdf_bytes("2"))
    monkeypatch.undo()

    assert full.refused == 1
    assert refused.status_code == 503, refused.json
    assert refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json["status"] == 503
    assert "no room to store the file" in refused.json["detail"]
    # Nothing half-written: no entry, no event, no file, not even the temporary one.
    assert ledger.counts() == counts_before
    assert files_under(receipts) == files_before

    # Space freed: the same request goes through, once.
    retried = post_expense(ledger, campaign_id, token, description="Boxes", receipt=pdf_bytes("2"))
    assert retried.status_code == 201, retried.json
    assert len(files_under(receipts)) == len(files_before) + 1
    memos = [
        e["memo"]
        for e in ledger.client.get(f"/api/v1/campaigns/{campaign_id}/entries").json["entries"]
        if e["kind"] == "expense"
    ]
    lost, duplicated = lost_and_duplicated(["Dice", "Boxes"], memos)
    report(
        10,
        "disk full while storing a receipt",
        produced=3,
        faults=1,
        lost=lost,
        duplicated=duplicated,
        refused=f"{refused.status_code} Retry-After {refused.headers['Retry-After']}",
    )
