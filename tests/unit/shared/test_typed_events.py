"""Typed events at the consumer's boundary: one class per type, upcasting, injected handlers."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import marshmallow as ma
import pytest

from shared.bootstrap import inject_dependencies
from shared.events import InvalidEvent, decode, encode, new_envelope, registered_types, to_event
from shared.events.catalog import CampaignLaunched, PledgeRefunded, TierTerms
from shared.events.envelope import Payload, event_schema, payload_schema
from shared.events.typed import Event, event_class, event_type, upcaster

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("name", "version"), registered_types())
def test_every_wire_schema_has_a_typed_event_with_the_same_fields(name: str, version: int) -> None:
    cls = event_class(name)
    assert cls is not None, f"no typed event for {name}"
    if version < cls.VERSION:
        return  # an older version: read through its upcasters (tested with each type)
    wire = set(payload_schema(name, version).fields)
    typed = {f.name for f in dataclasses.fields(cls)} - {"event_id", "occurred_at"}
    if name == "account.verification_requested":
        # Filled only by upcasting a version 1 event, from before links were sealed.
        typed -= {"clear_link_token"}
    if name == "ledger.entry_appended":
        # The entry's own time is renamed: the envelope's occurred_at is the event's.
        typed = typed - {"entry_occurred_at"} | {"occurred_at"}
    assert typed == wire


def test_a_campaign_event_arrives_typed_with_its_tiers_and_budget() -> None:
    campaign_id, tier_id = uuid.uuid4(), uuid.uuid4()
    payload = {
        "campaign_id": campaign_id,
        "creator_id": uuid.uuid4(),
        "title": "Board game",
        "goal_amount": 100_000,
        "currency": "EUR",
        "deadline": NOW + timedelta(days=30),
        "funding_model": "flexible",
        "status": "live",
        "tiers": [{"tier_id": tier_id, "name": "A copy", "min_amount": 3_000, "limit": None}],
        "budget": [{"category": "printing", "amount": 30_000}],
    }
    envelope = decode(
        encode(
            new_envelope(
                "campaign.launched",
                payload,
                producer="pledges",
                campaign_id=campaign_id,
                occurred_at=NOW,
            )
        )
    )

    event = to_event(envelope)

    assert isinstance(event, CampaignLaunched)
    assert event.event_id == envelope.event_id and event.occurred_at == NOW
    assert event.tiers == (TierTerms(tier_id, "A copy", 3_000, None),)
    assert event.budget[0].category == "printing" and event.budget[0].amount == 30_000
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.status = "draft"  # type: ignore[misc]
    # Sent before payments existed, it carries no test_mode: no money moved then.
    assert event.test_mode is True

    real = to_event(
        decode(
            encode(
                new_envelope(
                    "campaign.launched",
                    {**payload, "test_mode": False},
                    producer="pledges",
                    campaign_id=campaign_id,
                    occurred_at=NOW,
                )
            )
        )
    )
    assert isinstance(real, CampaignLaunched) and real.test_mode is False


def test_a_refund_carries_its_amounts_as_integers() -> None:
    campaign_id = uuid.uuid4()
    payload = {
        "campaign_id": campaign_id,
        "pledge_id": uuid.uuid4(),
        "backer_id": uuid.uuid4(),
        "amount": 500,
        "currency": "EUR",
        "tier_id": None,
        "collected_amount": 2_000,
        "refunded_total": 500,
        "reason": "damaged",
        "payment_reference": "pay-1",
    }
    envelope = new_envelope("pledge.refunded", payload, producer="p", campaign_id=campaign_id)
    event = to_event(decode(encode(envelope)))
    assert isinstance(event, PledgeRefunded)
    assert (event.amount, event.collected_amount, event.reason) == (500, 2_000, "damaged")


# --- upcasting: a made-up type whose payload changed shape in version 2 -----------------------

KIND = f"test.renamed-{uuid.uuid4().hex[:6]}"


@event_schema(KIND, 1)
class _RenamedV1(Payload):
    total = ma.fields.Integer(required=True)


@event_schema(KIND, 2)
class _RenamedV2(Payload):
    amount = ma.fields.Integer(required=True)
    currency = ma.fields.String(required=True)


@event_type(KIND, 2)
@dataclass(frozen=True, kw_only=True)
class _Renamed(Event):
    amount: int
    currency: str


@upcaster(KIND, 1)
def _v1_to_v2(payload: dict[str, object]) -> dict[str, object]:
    return {"amount": payload["total"], "currency": "EUR"}


def test_an_old_version_is_upcast_to_the_class_version() -> None:
    old = new_envelope(KIND, {"total": 42}, producer="p", campaign_id=None, version=1)
    new = new_envelope(
        KIND, {"amount": 7, "currency": "JPY"}, producer="p", campaign_id=None, version=2
    )
    assert to_event(decode(encode(old))) == _Renamed(
        event_id=old.event_id, occurred_at=old.occurred_at, amount=42, currency="EUR"
    )
    assert to_event(decode(encode(new))).amount == 7  # type: ignore[attr-defined]


def test_a_version_newer_than_the_consumer_reads_is_refused() -> None:
    @event_schema(KIND, 3)
    class _RenamedV3(Payload):
        amount = ma.fields.Integer(required=True)

    newer = new_envelope(KIND, {"amount": 1}, producer="p", campaign_id=None, version=3)
    with pytest.raises(InvalidEvent, match="newer"):
        to_event(decode(encode(newer)))


# --- dependencies bound by parameter name ---------------------------------------------------


def test_handlers_get_the_dependencies_they_name_and_only_those() -> None:
    seen: list[object] = []

    def handler(event: object, uow: object, clock: object, receipts: object) -> None:
        seen.append((event, uow, clock, receipts))

    bound = inject_dependencies(handler, {"clock": "C", "receipts": "R", "mailer": "M"})
    bound("event", "uow")
    assert seen == [("event", "uow", "C", "R")]


def test_a_handler_asking_for_something_nobody_provides_fails_at_wiring_time() -> None:
    def handler(event: object, uow: object, printer: object) -> None:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="printer"):
        inject_dependencies(handler, {"clock": "C"})


def test_a_link_request_of_version_1_arrives_with_its_clear_token_kept_apart() -> None:
    from shared.events.catalog import AccountVerificationRequested

    payload = {
        "account_id": uuid.uuid4(),
        "purpose": "verify_email",
        "token_id": uuid.uuid4(),
        "expires_at": NOW + timedelta(hours=24),
        "link_token": "clear-secret",
    }
    envelope = new_envelope(
        "account.verification_requested", payload, producer="pledges", campaign_id=None
    )

    event = to_event(decode(encode(envelope)))

    assert isinstance(event, AccountVerificationRequested)
    assert event.sealed_link_token == ""
    assert event.clear_link_token == "clear-secret"
    assert event.token_id == payload["token_id"]
