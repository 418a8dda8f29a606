"""The journal on SQLite and PostgreSQL: pledge events become entries; creators spend, reverse."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.ledger.domain import merkle
from services.ledger.domain.entries import format_time
from tests.factories import bearer
from tests.integration.ledger.ledger_support import (
    Ledger,
    campaign_event,
    jpeg_bytes,
    pdf_bytes,
    pledge_event,
    png_bytes,
    post_expense,
)

pytestmark = pytest.mark.both_databases


def test_collected_pledges_become_contributions_and_a_redelivery_changes_nothing(
    ledger: Ledger,
) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    first = ledger.collect(campaign_id, 2_000)
    ledger.collect(campaign_id, 3_500)
    before = ledger.counts()

    assert ledger.deliver(first).status == "duplicate"
    assert ledger.counts() == before

    entries = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/entries").json["entries"]
    assert [(e["seq"], e["kind"], e["amount"]) for e in entries] == [
        (0, "contribution", 2_000),
        (1, "contribution", 3_500),
    ]
    assert entries[0]["event_id"] == str(first.event_id)
    assert entries[0]["pledge_id"] == str(first.payload["pledge_id"])
    assert entries[0]["occurred_at"] == format_time(first.occurred_at)
    assert entries[0]["postings"] == [
        {"account": "assets:funds", "amount": 2_000},
        {"account": "income:pledges", "amount": -2_000},
    ]


def test_an_expense_with_a_receipt_is_appended_and_announced(ledger: Ledger) -> None:
    campaign_id, creator_id, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    receipt = pdf_bytes()

    response = post_expense(
        ledger,
        campaign_id,
        token,
        amount="2500",
        category="Printing",
        receipt=receipt,
        filename="invoice.pdf",
    )

    assert response.status_code == 201, response.json
    entry = response.json
    assert (entry["seq"], entry["kind"], entry["amount"], entry["currency"]) == (
        1,
        "expense",
        2_500,
        "EUR",
    )
    assert entry["category"] == "printing"  # the budget's spelling wins
    assert (entry["memo"], entry["vendor"], entry["incurred_on"]) == (
        "Proof copies",
        "PrintCo",
        "2026-01-05",
    )
    assert entry["receipt_sha256"] == hashlib.sha256(receipt).hexdigest()
    assert entry["recorded_by"] == str(creator_id)
    assert entry["postings"] == [
        {"account": "expenses:printing", "amount": 2_500},
        {"account": "assets:funds", "amount": -2_500},
    ]
    listed = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/entries?after_seq=0").json
    assert listed["entries"] == [entry]

    # The last append announced (the worker's checkpoint of it may follow in the outbox).
    topic, appended = [
        (t, e) for t, e in ledger.outbox() if e.type != "ledger.checkpoint_published"
    ][-1]
    assert (topic, appended.type, appended.payload["seq"]) == (
        "ledger.events",
        "ledger.entry_appended",
        1,
    )
    leaf = appended.payload["leaf_data"].encode()
    assert base64.b64decode(appended.payload["leaf_hash"]) == merkle.leaf_hash(leaf)
    assert entry["leaf_hash"] == appended.payload["leaf_hash"]


def test_the_balance_adds_up_from_the_postings(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign(
        budget=[{"category": "printing", "amount": 30_000}, {"category": "art", "amount": 10_000}]
    )
    pledge = uuid.uuid4()
    ledger.collect(campaign_id, 20_000, pledge_id=pledge)
    ledger.collect(campaign_id, 5_000)
    refund = pledge_event(
        "pledge.refunded",
        campaign_id,
        4_000,
        pledge_id=pledge,
        collected_amount=20_000,
        refunded_total=4_000,
        reason="asked",
    )
    assert ledger.deliver(refund).status == "handled"
    assert post_expense(ledger, campaign_id, token, amount="6000").status_code == 201
    assert (
        post_expense(
            ledger,
            campaign_id,
            token,
            amount="1000",
            category="postage",
            receipt=jpeg_bytes(),
            filename="p.jpg",
        ).status_code
        == 201
    )
    wrong = post_expense(
        ledger, campaign_id, token, amount="700", category="art", receipt=png_bytes("green")
    )
    reversal = ledger.client.post(
        f"/api/v1/campaigns/{campaign_id}/entries/{wrong.json['seq']}/reverse",
        json={"reason": "entered twice"},
        headers=bearer(token),
    )
    assert reversal.status_code == 201
    assert reversal.json["reverses_seq"] == wrong.json["seq"]

    balance = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/balance").json
    assert balance == {
        "currency": "EUR",
        "raised": 25_000,
        "refunded": 4_000,
        "spent": 7_000,
        "available": 25_000 - 4_000 - 7_000,
        "shortfall": 0,
        "fees": 0,
        "disputed": 0,
        "net": 25_000 - 4_000,
        "by_category": [
            {"category": "printing", "budget": 30_000, "spent": 6_000},
            {"category": "art", "budget": 10_000, "spent": 0},
            {"category": "postage", "budget": None, "spent": 1_000},
        ],
        "can_log_expenses": True,
    }
    refund_entry = ledger.client.get(
        f"/api/v1/campaigns/{campaign_id}/entries?after_seq=1&limit=1"
    ).json["entries"][0]
    assert (refund_entry["kind"], refund_entry["amount"], refund_entry["memo"]) == (
        "refund",
        4_000,
        None,  # the backer-facing reason stays in the pledges service
    )


def test_entries_are_paged_by_seq(ledger: Ledger) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    for amount in range(1_000, 1_005):
        ledger.collect(campaign_id, amount)
    path = f"/api/v1/campaigns/{campaign_id}/entries"

    first = ledger.client.get(f"{path}?limit=2").json
    assert [e["seq"] for e in first["entries"]] == [0, 1] and first["next_after_seq"] == 1
    second = ledger.client.get(f"{path}?limit=2&after_seq=1").json
    assert [e["seq"] for e in second["entries"]] == [2, 3] and second["next_after_seq"] == 3
    last = ledger.client.get(f"{path}?limit=2&after_seq=3").json
    assert [e["seq"] for e in last["entries"]] == [4] and last["next_after_seq"] is None
    assert ledger.client.get(f"{path}?limit=0").status_code == 422
    assert ledger.client.get(f"{path}?limit=1001").status_code == 422
    assert ledger.client.get(f"/api/v1/campaigns/{uuid.uuid4()}/entries").status_code == 404


def test_receipts_go_to_the_creator_and_auditors_only(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    receipt = jpeg_bytes()
    sha = post_expense(ledger, campaign_id, token, receipt=receipt, filename="x.pdf").json[
        "receipt_sha256"
    ]
    path = f"/api/v1/campaigns/{campaign_id}/receipts/{sha}"

    for reader in (token, ledger.token("auditor")):
        response = ledger.client.get(path, headers=bearer(reader))
        assert response.status_code == 200
        assert response.data == receipt
        assert response.mimetype == "image/jpeg"  # by content, whatever the upload's name
        assert response.headers["Content-Disposition"].startswith("attachment")
    assert ledger.client.get(path).status_code == 401
    for stranger in (ledger.token("backer"), ledger.token("creator"), ledger.token("admin")):
        assert ledger.client.get(path, headers=bearer(stranger)).status_code == 403
    other_campaign, _, other_token = ledger.open_campaign()
    elsewhere = f"/api/v1/campaigns/{other_campaign}/receipts/{sha}"
    assert ledger.client.get(elsewhere, headers=bearer(other_token)).status_code == 404
    assert ledger.client.get(path[:-64] + "0" * 64, headers=bearer(token)).status_code == 404


def test_the_read_model_follows_every_campaign_event(ledger: Ledger) -> None:
    campaign_id, creator_id = uuid.uuid4(), uuid.uuid4()
    start = datetime.now(UTC)
    for offset, (event_type, status) in enumerate(
        [
            ("campaign.created", "draft"),
            ("campaign.launched", "live"),
            ("campaign.succeeded", "succeeded"),
        ]
    ):
        ledger.deliver(
            campaign_event(
                event_type,
                campaign_id,
                creator_id,
                status=status,
                occurred_at=start + timedelta(seconds=offset),
            )
        )
    stale = campaign_event(
        "campaign.updated",
        campaign_id,
        creator_id,
        status="draft",
        occurred_at=start - timedelta(minutes=1),
    )
    assert ledger.deliver(stale).status == "handled"

    campaign = ledger.client.get(f"/api/v1/campaigns/{campaign_id}").json
    assert campaign["status"] == "succeeded"  # the late, older snapshot changed nothing
    assert [line["category"] for line in campaign["budget"]] == ["printing", "art"]
    assert ledger.client.get(f"/api/v1/campaigns/{uuid.uuid4()}").status_code == 404


def test_a_pledge_event_for_an_unknown_campaign_is_dead_lettered(ledger: Ledger) -> None:
    before = ledger.counts()
    outcome = ledger.deliver(pledge_event("pledge.collected", uuid.uuid4(), 1_000))
    assert outcome.status == "dead-lettered"
    assert "no campaign" in (outcome.error or "")
    assert ledger.counts() == before
    assert [topic for topic, _ in ledger.dead_letters.parked] == ["pledges.events.dlq"]
