"""Pledge money on SQLite and PostgreSQL: never reversed by hand; refunds after spending recorded,
with the shortfall in the balance; spending while short still refused."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, pledge_event, png_bytes, post_expense

pytestmark = pytest.mark.both_databases


def refund(ledger: Ledger, campaign_id: uuid.UUID, pledge: uuid.UUID, amount: int) -> Any:
    """Deliver a `pledge.refunded` event through the worker's consumer; returns the envelope."""
    envelope = pledge_event(
        "pledge.refunded",
        campaign_id,
        amount,
        pledge_id=pledge,
        collected_amount=10_000,
        refunded_total=amount,
        reason="asked",
    )
    assert ledger.deliver(envelope).status == "handled"
    return envelope


def reverse(ledger: Ledger, campaign_id: uuid.UUID, seq: int, token: str) -> Any:
    return ledger.client.post(
        f"/api/v1/campaigns/{campaign_id}/entries/{seq}/reverse",
        json={"reason": "chargeback"},
        headers=bearer(token),
    )


def balance(ledger: Ledger, campaign_id: uuid.UUID) -> dict[str, Any]:
    response = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/balance")
    assert response.status_code == 200
    body: dict[str, Any] = response.json
    return body


@pytest.mark.parametrize(("seq", "kind"), [(0, "contribution"), (1, "refund")])
def test_reversing_a_contribution_or_a_refund_is_409_and_writes_nothing(
    ledger: Ledger, seq: int, kind: str
) -> None:
    campaign_id, _, token = ledger.open_campaign()
    pledge = uuid.uuid4()
    ledger.collect(campaign_id, 10_000, pledge_id=pledge)
    refund(ledger, campaign_id, pledge, 2_500)
    before, shown = ledger.counts(), balance(ledger, campaign_id)

    response = reverse(ledger, campaign_id, seq, token)

    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["status"] == 409
    assert f"entry {seq} is a {kind}" in problem["detail"]
    assert "pledge events" in problem["detail"]
    assert problem["errors"] == {"seq": [problem["detail"]]}
    assert ledger.counts() == before
    assert balance(ledger, campaign_id) == shown
    assert (shown["raised"], shown["refunded"], shown["available"]) == (10_000, 2_500, 7_500)


def test_a_refund_after_the_money_was_spent_is_recorded_with_the_shortfall_shown(
    ledger: Ledger,
) -> None:
    campaign_id, _, token = ledger.open_campaign()
    pledge = uuid.uuid4()
    ledger.collect(campaign_id, 10_000, pledge_id=pledge)
    assert post_expense(ledger, campaign_id, token, amount="9000").status_code == 201

    envelope = refund(ledger, campaign_id, pledge, 4_000)

    assert ledger.dead_letters.parked == []
    entries = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/entries").json["entries"]
    assert [(e["seq"], e["kind"], e["amount"]) for e in entries][-1] == (2, "refund", 4_000)
    assert entries[-1]["event_id"] == str(envelope.event_id)
    assert entries[-1]["postings"] == [
        {"account": "income:refunds", "amount": 4_000},
        {"account": "assets:funds", "amount": -4_000},
    ]
    announced = [e for _, e in ledger.outbox() if e.type == "ledger.entry_appended"]
    assert [(e.payload["seq"], e.payload["kind"]) for e in announced][-1] == (2, "refund")
    assert balance(ledger, campaign_id) == {
        "currency": "EUR",
        "raised": 10_000,
        "refunded": 4_000,
        "spent": 9_000,
        "available": 0,
        "shortfall": 3_000,
        "fees": 0,
        "disputed": 0,
        "net": 6_000,
        "by_category": [
            {"category": "printing", "budget": 30_000, "spent": 9_000},
            {"category": "art", "budget": 10_000, "spent": 0},
        ],
        "can_log_expenses": False,  # short, so nothing may be spent
    }


def test_while_short_an_expense_is_409_until_money_comes_back(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    pledge = uuid.uuid4()
    ledger.collect(campaign_id, 10_000, pledge_id=pledge)
    spent = post_expense(ledger, campaign_id, token, amount="6000")
    more = post_expense(ledger, campaign_id, token, amount="4000", receipt=png_bytes("blue"))
    assert (spent.status_code, more.status_code) == (201, 201)
    refund(ledger, campaign_id, pledge, 1_000)
    before = ledger.counts()

    response = post_expense(ledger, campaign_id, token, amount="1", receipt=png_bytes("white"))

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "amount" in response.json["errors"]
    assert ledger.counts() == before
    assert reverse(ledger, campaign_id, spent.json["seq"], token).status_code == 201
    shown = balance(ledger, campaign_id)
    assert (shown["available"], shown["shortfall"], shown["spent"]) == (5_000, 0, 4_000)
