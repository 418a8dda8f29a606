"""Files the ledger keeps: receipts by content hash, and the log's signing key."""

from __future__ import annotations

import hashlib
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from services.ledger.adapters.log_key import load_or_create_log_signer
from services.ledger.adapters.receipts import (
    FileSystemReceiptStore,
    MemoryReceiptStore,
    ReceiptStore,
)


@pytest.fixture(params=["filesystem", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ReceiptStore:
    """Every ReceiptStore passes the same contract; the fake included."""
    if request.param == "filesystem":
        return FileSystemReceiptStore(tmp_path / "receipts")
    return MemoryReceiptStore()


def test_a_store_keeps_files_by_their_sha256(store: ReceiptStore) -> None:
    content = b"%PDF-1.4 receipt\n%%EOF\n"
    sha256 = store.put(content)
    assert sha256 == hashlib.sha256(content).hexdigest()
    assert store.get(sha256) == content
    assert store.put(content) == sha256  # storing it again changes nothing
    assert store.get(hashlib.sha256(b"other").hexdigest()) is None
    assert store.get("../../etc/passwd") is None


def test_files_are_content_addressed_on_disk(tmp_path: Path) -> None:
    store = FileSystemReceiptStore(tmp_path / "receipts")
    sha256 = store.put(b"abc")
    assert (tmp_path / "receipts" / sha256[:2] / sha256).read_bytes() == b"abc"
    assert [p.name for p in (tmp_path / "receipts").rglob("*") if p.is_file()] == [sha256]


def test_the_signing_key_is_made_once_privately_and_reread(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "log.key"
    first = load_or_create_log_signer(path, "fundtrail.local")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("PRIVATE+KEY+fundtrail.local+")
    again = load_or_create_log_signer(path, "another.name")
    assert again.vkey == first.vkey  # the name of an existing key is kept


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "log.key"
    start = threading.Barrier(8)
    keys: list[str] = []

    def start_up(load: Callable[..., object] = load_or_create_log_signer) -> None:
        start.wait(timeout=10)
        keys.append(load_or_create_log_signer(path, "fundtrail.local").vkey)

    threads = [threading.Thread(target=start_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in path.parent.iterdir()] == ["log.key"]  # no temporary left behind


def test_fundtrail_log_key_prints_the_verifier_key_making_the_key_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from services.cli import main
    from services.ledger.domain.checkpoint import Signer

    path = tmp_path / "keys" / "log.key"
    monkeypatch.setenv("LEDGER_LOG_KEY_FILE", str(path))
    monkeypatch.setenv("FUNDTRAIL_LOG_ORIGIN", "audit.example")
    first = CliRunner().invoke(main, ["log", "key"])
    assert first.exit_code == 0, first.output
    assert first.output == Signer.from_skey(path.read_text()).vkey + "\n"
    assert first.output.startswith("audit.example+")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert CliRunner().invoke(main, ["log", "key"]).output == first.output
