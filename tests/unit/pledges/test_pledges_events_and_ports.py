"""Events are immutable past-tense records; the domain depends on no framework; the gateway."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import services.pledges.domain as domain
from services.pledges.domain import (
    CollectionOutcome,
    Event,
    PaymentGateway,
    PledgeCreated,
    RecordOnlyGateway,
)

if TYPE_CHECKING:
    from conftest import World

EVENT_TYPES = [
    "CampaignCreated",
    "CampaignUpdated",
    "CampaignLaunched",
    "CampaignCancelled",
    "CampaignSucceeded",
    "CampaignFailed",
    "PledgeCreated",
    "PledgeChanged",
    "PledgeCancelled",
    "PledgeCollected",
    "PledgeReleased",
    "PledgeRefunded",
]


@pytest.mark.parametrize("name", EVENT_TYPES)
def test_every_event_is_a_frozen_versioned_dataclass(name: str) -> None:
    event_type: Any = getattr(domain, name)
    assert event_type.__dataclass_params__.frozen
    assert event_type.version == 1
    assert issubclass(event_type, Event)
    fields = {f.name for f in dataclasses.fields(event_type)}
    assert {"campaign_id", "occurred_at"} <= fields
    if name.startswith("Pledge"):
        assert {"pledge_id", "backer_id", "amount", "currency", "tier_id"} <= fields
    else:
        assert {"title", "currency", "goal_amount", "funding_model", "deadline"} <= fields
        assert {"creator_id", "budget"} <= fields


def test_a_recorded_event_cannot_be_altered(world: World) -> None:
    campaign = world.live()
    campaign.pledge(uuid.uuid4(), 1_000, now=world.now)
    [event] = campaign.events
    assert isinstance(event, PledgeCreated)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.amount = 1  # type: ignore[misc]


def test_the_domain_imports_no_framework() -> None:
    modules = [f"services.pledges.domain.{m.name}" for m in pkgutil.iter_modules(domain.__path__)]
    probe = (
        "import sys, importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules "
        "if m.split('.')[0] in {'flask', 'sqlalchemy', 'kafka', 'marshmallow'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],  # the repository, where services/ lives
    )
    assert result.stdout.strip() == ""
    assert all(importlib.import_module(m) for m in modules)


def test_record_only_gateway_records_without_moving_money(world: World) -> None:
    gateway: PaymentGateway = RecordOnlyGateway()
    campaign, [pledge] = world.backed([4_200])

    requested = gateway.request_collection(pledge, 1)
    released = gateway.release(pledge)
    refunded = gateway.refund(pledge, 1_000, "broken")

    # A collection "succeeds" at once: the settlement applies it in the same transaction.
    assert (requested.outcome, requested.attempt, requested.amount, requested.fee_amount) == (
        CollectionOutcome.SUCCEEDED,
        1,
        4_200,
        None,
    )
    assert isinstance(gateway, RecordOnlyGateway)
    collected = gateway.receipts[0]
    assert collected.reference == requested.reference
    assert [
        (r.kind, r.amount, r.currency, r.pledge_id) for r in (collected, released, refunded)
    ] == [
        ("collection", 4_200, "EUR", pledge.id),
        ("release", 0, "EUR", pledge.id),
        ("refund", 1_000, "EUR", pledge.id),
    ]
    assert len({collected.reference, released.reference, refunded.reference}) == 3
    assert gateway.receipts == [collected, released, refunded]
    # Asking the gateway changes nothing on the pledge: only the campaign does that.
    assert (pledge.status.value, pledge.payment_reference, campaign.events) == (
        "pledged",
        None,
        [],
    )
