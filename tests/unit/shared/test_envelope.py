"""The event envelope: what producers may send and what consumers accept."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.events import InvalidEvent, decode, encode, new_envelope, registered_types
from shared.events.envelope import payload_schema


def account_created(**payload_overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "account_id": uuid.uuid4(),
        "role": "backer",
        "name": "Bea",
        "email": None,
        "language": "id",
    }
    payload.update(payload_overrides)
    return payload


def test_round_trip_keeps_every_field_and_types() -> None:
    occurred = datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    envelope = new_envelope(
        "account.created",
        account_created(),
        producer="pledges",
        campaign_id=None,
        occurred_at=occurred,
    )
    decoded = decode(encode(envelope))
    assert decoded == envelope
    assert decoded.occurred_at.utcoffset() == timedelta(0)  # UTC inside
    assert decoded.occurred_at == occurred
    assert isinstance(decoded.payload["account_id"], uuid.UUID)


def test_key_is_the_campaign_or_else_the_account() -> None:
    account_id = uuid.uuid4()
    envelope = new_envelope(
        "account.created",
        account_created(account_id=account_id),
        producer="pledges",
        campaign_id=None,
    )
    assert envelope.key == str(account_id)


def test_producer_refuses_a_payload_that_breaks_its_schema() -> None:
    with pytest.raises(InvalidEvent) as caught:
        new_envelope(
            "account.created",
            account_created(role="overlord"),
            producer="pledges",
            campaign_id=None,
        )
    assert "role" in str(caught.value)


def test_producer_refuses_a_missing_field() -> None:
    payload = account_created()
    del payload["name"]
    with pytest.raises(InvalidEvent, match="name"):
        new_envelope("account.created", payload, producer="pledges", campaign_id=None)


def test_unknown_type_is_refused() -> None:
    with pytest.raises(InvalidEvent, match="unknown event type"):
        new_envelope("campaign.exploded", {}, producer="pledges", campaign_id=None)


@pytest.mark.parametrize(
    "raw",
    [None, b"", b"not json", b"\xff\xfe", b"[1, 2]", b"{}", b'{"type": "account.created"}'],
)
def test_consumer_refuses_what_is_not_an_event(raw: bytes | None) -> None:
    with pytest.raises(InvalidEvent):
        decode(raw)


def test_consumer_refuses_a_float_amount() -> None:
    envelope = new_envelope(
        "pledge.created",
        {
            "campaign_id": uuid.uuid4(),
            "pledge_id": uuid.uuid4(),
            "backer_id": uuid.uuid4(),
            "amount": 1500,
            "currency": "EUR",
            "tier_id": None,
        },
        producer="pledges",
        campaign_id=uuid.uuid4(),
    )
    document = json.loads(encode(envelope))
    document["payload"]["amount"] = 15.0
    with pytest.raises(InvalidEvent, match="amount"):
        decode(json.dumps(document).encode())


def test_consumer_ignores_fields_it_does_not_know() -> None:
    envelope = new_envelope(
        "account.created", account_created(), producer="pledges", campaign_id=None
    )
    document = json.loads(encode(envelope))
    document["payload"]["added_in_a_later_release"] = 1
    document["trace_id"] = "abc"
    assert decode(json.dumps(document).encode()) == envelope


def test_naive_times_are_refused_on_the_wire() -> None:
    envelope = new_envelope(
        "account.created", account_created(), producer="pledges", campaign_id=None
    )
    document = json.loads(encode(envelope))
    document["occurred_at"] = datetime.now(UTC).replace(tzinfo=None).isoformat()
    with pytest.raises(InvalidEvent, match="occurred_at"):
        decode(json.dumps(document).encode())


def test_every_contract_event_type_has_a_schema() -> None:
    types = {name for name, _version in registered_types()}
    assert {
        "account.created",
        "account.revoked",
        "campaign.created",
        "campaign.updated",
        "campaign.launched",
        "campaign.cancelled",
        "campaign.succeeded",
        "campaign.failed",
        "pledge.created",
        "pledge.changed",
        "pledge.cancelled",
        "pledge.collected",
        "pledge.released",
        "pledge.refunded",
    } <= types


def test_accounts_and_campaigns_announced_before_languages_read_as_english() -> None:
    older = new_envelope("account.created", account_created(), producer="pledges", campaign_id=None)
    document = json.loads(encode(older))
    del document["payload"]["language"]
    assert decode(json.dumps(document).encode()).payload["language"] == "en"
    assert payload_schema("campaign.launched").fields["language"].load_default == "en"
