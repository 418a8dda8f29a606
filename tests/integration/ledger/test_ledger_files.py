"""Files the ledger keeps: receipts by content hash, and the log's signing key."""

from __future__ import annotations

import base64
import hashlib
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.ledger.adapters.log_key import load_or_create_log_signer
from services.ledger.adapters.receipts import (
    FileSystemReceiptStore,
    MemoryReceiptStore,
    ReceiptStore,
)
from services.ledger.domain import merkle
from services.ledger.domain.canonical import canonical_json
from tests.factories import bearer
from tests.integration.ledger.ledger_support import (
    Ledger,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    post_expense,
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
    from services.ledger.domain.signed_note import Signer

    path = tmp_path / "keys" / "log.key"
    monkeypatch.setenv("LEDGER_LOG_KEY_FILE", str(path))
    monkeypatch.setenv("FUNDTRAIL_LOG_ORIGIN", "audit.example")
    first = CliRunner().invoke(main, ["log", "key"])
    assert first.exit_code == 0, first.output
    assert first.output == Signer.from_skey(path.read_text()).vkey + "\n"
    assert first.output.startswith("audit.example+")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert CliRunner().invoke(main, ["log", "key"]).output == first.output


# --- receipts over HTTP ---------------------------------------------------------------------


def test_a_receipt_is_served_as_an_attachment_a_browser_never_runs(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    files = [
        (pdf_bytes(), "application/pdf", "pdf"),
        (png_bytes("green"), "image/png", "png"),
        (jpeg_bytes(), "image/jpeg", "jpg"),
    ]
    for content, media_type, extension in files:
        posted = post_expense(ledger, campaign_id, token, receipt=content, filename="r.html")
        assert posted.status_code == 201, posted.json
        sha = posted.json["receipt_sha256"]
        for reader in (token, ledger.token("auditor")):
            response = ledger.client.get(
                f"/api/v1/campaigns/{campaign_id}/receipts/{sha}", headers=bearer(reader)
            )
            assert response.status_code == 200
            assert response.data == content
            assert response.mimetype == media_type  # by content, never the upload's name
            assert response.headers["Content-Disposition"] == (
                f'attachment; filename="receipt-{sha}.{extension}"'
            )
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Content-Security-Policy"] == "sandbox"


def _leaf_hash_of(entry: dict[str, Any]) -> str:
    leaf = canonical_json({k: v for k, v in entry.items() if k != "leaf_hash"})
    return base64.b64encode(merkle.leaf_hash(leaf)).decode()


def test_one_receipt_backs_a_second_expense_in_force_only_with_a_reason(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    receipt = pdf_bytes("Invoice 9: printing and shipping")
    first = post_expense(ledger, campaign_id, token, receipt=receipt, amount="3000")
    assert first.status_code == 201, first.json
    assert "receipt_reuse_reason" not in first.json  # no reason, no key: the leaf is as before
    reason = "One invoice covers printing and shipping; booked in two categories."
    second = post_expense(
        ledger,
        campaign_id,
        token,
        receipt=receipt,
        amount="1000",
        category="shipping",
        receipt_reuse_reason=f"  {reason}\n",
    )
    assert second.status_code == 201, second.json
    assert second.json["receipt_sha256"] == first.json["receipt_sha256"]
    assert second.json["receipt_reuse_reason"] == reason
    # The reason is part of the entry's leaf, so the log commits to it.
    assert second.json["leaf_hash"] == _leaf_hash_of(second.json)
    entries = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/entries").json["entries"]
    assert entries[-1] == second.json
    assert ledger.counts()["receipt files"] == 1  # one file, named by its hash


def test_a_reversed_expense_frees_its_receipt_for_a_new_one(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    receipt = png_bytes("blue")
    first = post_expense(ledger, campaign_id, token, receipt=receipt)
    reversal = ledger.client.post(
        f"/api/v1/campaigns/{campaign_id}/entries/{first.json['seq']}/reverse",
        json={"reason": "booked on the wrong campaign"},
        headers=bearer(token),
    )
    assert reversal.status_code == 201, reversal.json
    again = post_expense(ledger, campaign_id, token, receipt=receipt)
    assert again.status_code == 201, again.json
    assert "receipt_reuse_reason" not in again.json
    third = post_expense(ledger, campaign_id, token, receipt=receipt)
    assert third.status_code == 409
    assert f"backs expense {again.json['seq']}" in third.json["errors"]["receipt"][0]
