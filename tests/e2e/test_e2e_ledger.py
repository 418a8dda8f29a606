"""The ledger end to end over the real broker: pledges collected in the pledges service become
contributions, the creator spends with receipts and reverses a mistake, the balance adds up, and
an auditor verifies the export, an inclusion proof and a consistency proof offline."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfWriter

from services.cli import main
from services.ledger.domain import merkle
from services.ledger.domain.signed_note import Checkpoint, Verifier, open_note
from tests.e2e.conftest import Fundtrail, eventually
from tests.factories import bearer, campaign_body, create_account, set_clock

pytestmark = pytest.mark.kafka

API = "/api/v1"


def one_page_pdf() -> bytes:
    """A real PDF with one (blank) page: the ledger parses receipts, not just their header."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = one_page_pdf()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), "orange").save(buffer, "PNG")
    return buffer.getvalue()


def expense(
    ledger: FlaskClient,
    campaign: str,
    token: str,
    amount: int,
    category: str,
    receipt: bytes,
    name: str,
) -> dict[str, Any]:
    form = {
        "amount": str(amount),
        "currency": "EUR",
        "category": category,
        "description": f"{category} costs",
        "vendor": "Acme Print",
        "incurred_on": datetime.now(UTC).date().isoformat(),
        "receipt": (io.BytesIO(receipt), name),
    }
    return ok(
        ledger.post(
            f"{API}/campaigns/{campaign}/expenses",
            data=form,
            headers=bearer(token),
            content_type="multipart/form-data",
        ),
        201,
    )


def opened(ledger: FlaskClient, path: str) -> tuple[str, Checkpoint]:
    """A checkpoint's note, and its body once the served key's signature on it verifies."""
    note = ledger.get(path).get_data(as_text=True)
    key = Verifier.from_vkey(ledger.get(f"{API}/log/key").get_data(as_text=True))
    return note, Checkpoint.from_text(open_note(note, key))


def test_pledges_become_entries_and_the_books_verify_offline(
    fundtrail: Fundtrail, tmp_path: Path
) -> None:
    pledges, ledger = fundtrail.client("pledges"), fundtrail.client("ledger")
    app = fundtrail.apps["pledges"]
    _, creator = create_account(app, "creator", name="Cleo")
    _, auditor = create_account(app, "auditor", name="Aud")
    backers = [create_account(app, "backer", name=name)[1] for name in ("Ann", "Bob", "Cy")]

    body = campaign_body(
        goal_amount=20_000,
        funding_model="flexible",
        tiers=[],
        budget=[
            {"category": "printing", "amount": 15_000},
            {"category": "shipping", "amount": 5_000},
        ],
    )
    campaign = ok(pledges.post(f"{API}/campaigns", json=body, headers=bearer(creator)), 201)
    cid = campaign["id"]
    ok(pledges.post(f"{API}/campaigns/{cid}/launch", headers=bearer(creator)))
    made = [
        ok(
            pledges.post(
                f"{API}/campaigns/{cid}/pledges", json={"amount": amount}, headers=bearer(token)
            ),
            201,
        )
        for token, amount in zip(backers, (8_000, 12_000, 5_000), strict=True)
    ]
    set_clock(app, lambda: datetime.now(UTC) + timedelta(days=31))
    assert (
        ok(pledges.post(f"{API}/campaigns/{cid}/settle", headers=bearer(creator)))["status"]
        == "succeeded"
    )
    ok(
        pledges.post(
            f"{API}/pledges/{made[1]['id']}/refund",
            json={"amount": 2_000, "reason": "Out of stock"},
            headers=bearer(creator),
        )
    )

    # The collections and the refund reach the ledger through Kafka.
    def pledge_entries() -> list[dict[str, Any]] | None:
        entries = ledger.get(f"{API}/campaigns/{cid}/entries").json.get("entries", [])
        return entries if len(entries) == 4 else None

    entries = eventually(pledge_entries)
    contributions = {(e["pledge_id"], e["amount"]) for e in entries if e["kind"] == "contribution"}
    assert contributions == {(p["id"], p["amount"]) for p in made}
    refund = entries[-1]
    assert (refund["kind"], refund["pledge_id"], refund["amount"]) == (
        "refund",
        made[1]["id"],
        2_000,
    )
    # Reads never sign: the worker publishes the checkpoint once it hears of the appends.
    eventually(lambda: ledger.get(f"{API}/campaigns/{cid}/checkpoints/4").status_code == 200)
    early_note, early = opened(ledger, f"{API}/campaigns/{cid}/checkpoint")
    assert early.tree_size == 4

    # The creator spends, with receipts, and reverses a mistaken expense.
    printing = expense(ledger, cid, creator, 9_000, "printing", PDF, "invoice.pdf")
    wrong = expense(ledger, cid, creator, 1_500, "shipping", png(), "label.png")
    reversal = ok(
        ledger.post(
            f"{API}/campaigns/{cid}/entries/{wrong['seq']}/reverse",
            json={"reason": "charged to the wrong campaign"},
            headers=bearer(creator),
        ),
        201,
    )
    assert reversal["seq"] == 6 and reversal["reverses_seq"] == wrong["seq"]

    balance = ok(ledger.get(f"{API}/campaigns/{cid}/balance"))
    raised = sum(p["amount"] for p in made)
    assert (balance["raised"], balance["refunded"], balance["spent"]) == (raised, 2_000, 9_000)
    assert balance["available"] == raised - 2_000 - 9_000
    assert balance["by_category"] == [
        {"category": "printing", "budget": 15_000, "spent": 9_000},
        {"category": "shipping", "budget": 5_000, "spent": 0},
    ]
    receipt = ledger.get(
        f"{API}/campaigns/{cid}/receipts/{printing['receipt_sha256']}", headers=bearer(auditor)
    )
    assert receipt.status_code == 200 and receipt.data == PDF

    # The worker hears the appends back and publishes the checkpoint by itself.
    eventually(lambda: ledger.get(f"{API}/campaigns/{cid}/checkpoints/7").status_code == 200)
    late_note, late = opened(ledger, f"{API}/campaigns/{cid}/checkpoint")
    assert late.tree_size == 7

    # An auditor downloads everything and verifies it offline.
    export = ledger.get(f"{API}/campaigns/{cid}/export.jsonl")
    assert export.headers["Fundtrail-Tree-Size"] == "7"
    files = {
        "export.jsonl": export.data,
        "early.txt": early_note.encode(),
        "late.txt": late_note.encode(),
        "key.txt": ledger.get(f"{API}/log/key").data,
        "proof.json": ledger.get(f"{API}/campaigns/{cid}/proof/consistency?from=4&to=7").data,
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    runner = CliRunner()
    verified = runner.invoke(
        main,
        [
            "verify",
            str(tmp_path / "export.jsonl"),
            "--checkpoint",
            str(tmp_path / "late.txt"),
            "--key",
            str(tmp_path / "key.txt"),
        ],
    )
    assert verified.exit_code == 0, verified.output
    consistent = runner.invoke(
        main,
        [
            "verify",
            "--consistency",
            str(tmp_path / "early.txt"),
            str(tmp_path / "late.txt"),
            "--proof",
            str(tmp_path / "proof.json"),
            "--key",
            str(tmp_path / "key.txt"),
        ],
    )
    assert consistent.exit_code == 0, consistent.output

    line = export.data.splitlines()[printing["seq"]]
    assert json.loads(line)["receipt_sha256"] == printing["receipt_sha256"]
    proof = ok(
        ledger.get(f"{API}/campaigns/{cid}/proof/inclusion?seq={printing['seq']}&tree_size=7")
    )
    merkle.verify_inclusion(
        merkle.leaf_hash(line),
        printing["seq"],
        7,
        [base64.b64decode(h) for h in proof["hashes"]],
        late.root_hash,
    )
