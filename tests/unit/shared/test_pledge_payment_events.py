"""The wire form of collection's events: `pledge.collected` with and without a fee, and the
failed and dropped payments, checked as consumers decode them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.events import InvalidEvent, decode, encode, new_envelope, to_event
from shared.events.catalog import PledgeCollected, PledgeDropped, PledgePaymentFailed

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
CAMPAIGN = uuid.uuid4()


def payload(**extra: Any) -> dict[str, Any]:
    return {
        "campaign_id": CAMPAIGN,
        "pledge_id": uuid.uuid4(),
        "backer_id": uuid.uuid4(),
        "amount": 5_000,
        "currency": "EUR",
        "tier_id": None,
        **extra,
    }


def round_trip(event_type: str, body: dict[str, Any]) -> Any:
    envelope = new_envelope(event_type, body, producer="pledges", campaign_id=CAMPAIGN)
    return to_event(decode(encode(envelope)))


def test_a_collection_from_before_fees_reads_as_fee_unknown() -> None:
    event = round_trip("pledge.collected", payload(payment_reference="pay-1"))
    assert isinstance(event, PledgeCollected)
    assert (event.payment_reference, event.fee_amount) == ("pay-1", None)


def test_a_collection_carries_the_provider_s_fee() -> None:
    event = round_trip("pledge.collected", payload(payment_reference="pay-1", fee_amount=175))
    assert isinstance(event, PledgeCollected) and event.fee_amount == 175


@pytest.mark.parametrize("fee", [-1, 1.5, "175", True])
def test_a_fee_that_is_not_whole_minor_units_is_refused_on_receipt(fee: object) -> None:
    body = payload(payment_reference="pay-1", fee_amount=0)
    envelope = new_envelope("pledge.collected", body, producer="pledges", campaign_id=CAMPAIGN)
    wire = json.loads(encode(envelope))
    wire["payload"]["fee_amount"] = fee
    with pytest.raises(InvalidEvent):
        decode(json.dumps(wire).encode())


def test_a_failed_payment_carries_its_reason_code_and_deadline() -> None:
    body = payload(
        payment_reference="pay-1", reason_code="card_declined", retry_until=NOW + timedelta(days=7)
    )
    event = round_trip("pledge.payment_failed", body)
    assert isinstance(event, PledgePaymentFailed)
    assert (event.reason_code, event.retry_until) == ("card_declined", NOW + timedelta(days=7))


def test_a_failure_reason_is_a_short_code_never_free_text() -> None:
    body = payload(payment_reference="pay-1", reason_code="4242 4242 4242 4242", retry_until=NOW)
    with pytest.raises(InvalidEvent):
        encode(
            new_envelope("pledge.payment_failed", body, producer="pledges", campaign_id=CAMPAIGN)
        )


def test_a_dropped_pledge_is_a_plain_pledge_event() -> None:
    event = round_trip("pledge.dropped", payload())
    assert isinstance(event, PledgeDropped) and event.amount == 5_000
