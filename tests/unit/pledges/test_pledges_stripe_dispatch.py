"""Stripe's events dispatched on a unit of work in memory: which type does what, once, and what
happens when Stripe cannot be read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.pledges.adapters.stripe_webhooks import StripeEvent
from services.pledges.domain import PledgeStatus
from services.pledges.domain.payment_provider import PaymentFacts, PaymentProviderError
from services.pledges.handlers.stripe_events import (
    HANDLERS,
    StripeUnavailable,
    WebhookContext,
    receive,
)
from tests.payment_gateways import PendingGateway
from tests.unit.pledges.conftest import GOAL, World
from tests.unit.pledges.fake_unit_of_work import FakePledgesUnitOfWork
from tests.unit.pledges.test_pledges_collection_handlers import FAILED_AT, settled
from tests.unit.pledges.test_pledges_handlers import at


class FakeStripeBooks:
    """Stripe's books as the adapter reads them: fixed facts, or an outage."""

    def __init__(self, facts: PaymentFacts | None = None, down: bool = False) -> None:
        self.facts = facts
        self.down = down
        self.reads: list[str] = []

    def read_payment(self, payment_intent_id: str) -> PaymentFacts:
        return self._read(payment_intent_id)

    def read_charge(self, charge_id: str) -> PaymentFacts:
        return self._read(charge_id)

    def _read(self, object_id: str) -> PaymentFacts:
        self.reads.append(object_id)
        if self.down:
            raise PaymentProviderError("Stripe: APIError (HTTP 500)", retryable=True)
        assert self.facts is not None
        return self.facts


def facts(metadata: dict[str, str], fee: int = 175, platform: int = 100) -> PaymentFacts:
    return PaymentFacts(
        payment_intent_id="pi_x",
        charge_id="ch_x",
        status="succeeded",
        amount=5_000,
        currency="EUR",
        processing_fee=fee,
        net=5_000 - fee,
        application_fee_amount=platform,
        metadata=metadata,
    )


def event(event_type: str, data: dict[str, Any], event_id: str = "evt_1") -> StripeEvent:
    return StripeEvent(event_id, event_type, datetime(2026, 12, 1, tzinfo=UTC), data)


@pytest.fixture
def uow() -> FakePledgesUnitOfWork:
    return FakePledgesUnitOfWork()


@pytest.fixture
def collecting(
    world: World, uow: FakePledgesUnitOfWork
) -> tuple[PendingGateway, uuid.UUID, uuid.UUID]:
    gateway = PendingGateway()
    campaign_id, [pledge_id] = settled(world, uow, gateway, [GOAL])
    return gateway, campaign_id, pledge_id


def context(books: FakeStripeBooks | None = None) -> WebhookContext:
    return WebhookContext(payments=books, clock=at(FAILED_AT), payment_grace=timedelta(days=2))


def test_every_type_the_issue_names_has_a_handler() -> None:
    assert set(HANDLERS) == {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.requires_action",
        "charge.dispute.created",
        "charge.dispute.closed",
        "charge.refunded",
    }


def test_a_payment_collects_once_and_its_fees_follow_its_collection(
    uow: FakePledgesUnitOfWork, collecting: tuple[PendingGateway, uuid.UUID, uuid.UUID]
) -> None:
    gateway, campaign_id, pledge_id = collecting
    ids = {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)}
    books = FakeStripeBooks(facts(ids))
    reference = gateway.latest(pledge_id).reference
    paid = event("payment_intent.succeeded", {"id": reference, "metadata": ids})

    first = receive(paid, lambda: uow, context(books))
    again = receive(paid, lambda: uow, context(books))

    assert (first.duplicate, first.took_effect) == (False, True)
    assert (again.duplicate, again.took_effect) == (True, False)
    assert uow.event_types() == ["pledge.collected", "payment.fee_charged", "payment.fee_charged"]
    assert uow.pledge(pledge_id).status is PledgeStatus.COLLECTED
    assert uow.stripe_inbox == {"evt_1": ("payment_intent.succeeded", True)}
    assert books.reads == [reference]  # the redelivery asked Stripe nothing


def test_fees_larger_than_the_payment_do_not_keep_the_pledge_from_being_collected(
    uow: FakePledgesUnitOfWork, collecting: tuple[PendingGateway, uuid.UUID, uuid.UUID]
) -> None:
    gateway, campaign_id, pledge_id = collecting
    ids = {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)}
    books = FakeStripeBooks(facts(ids, fee=4_000, platform=2_000))
    paid = event("payment_intent.succeeded", {"id": "pi_x", "metadata": ids})

    assert receive(paid, lambda: uow, context(books)).took_effect

    assert uow.event_types() == ["pledge.collected"]
    assert uow.pledge(pledge_id).status is PledgeStatus.COLLECTED


def test_stripe_down_raises_and_stores_nothing(
    uow: FakePledgesUnitOfWork, collecting: tuple[PendingGateway, uuid.UUID, uuid.UUID]
) -> None:
    _, campaign_id, pledge_id = collecting
    ids = {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)}
    paid = event("payment_intent.succeeded", {"id": "pi_x", "metadata": ids})

    with pytest.raises(StripeUnavailable):
        receive(paid, lambda: uow, context(FakeStripeBooks(down=True)))

    assert uow.stripe_inbox == {} and uow.published == []


@pytest.mark.parametrize(
    ("event_type", "error", "code"),
    [
        (
            "payment_intent.payment_failed",
            {"decline_code": "insufficient_funds"},
            "insufficient_funds",
        ),
        ("payment_intent.payment_failed", {"code": "card_declined"}, "card_declined"),
        ("payment_intent.payment_failed", {"code": "Not A Code <b>"}, "payment_failed"),
        ("payment_intent.payment_failed", None, "payment_failed"),
        ("payment_intent.requires_action", None, "authentication_required"),
    ],
)
def test_a_failure_carries_a_short_reason_and_the_configured_grace(
    uow: FakePledgesUnitOfWork,
    collecting: tuple[PendingGateway, uuid.UUID, uuid.UUID],
    event_type: str,
    error: dict[str, str] | None,
    code: str,
) -> None:
    gateway, campaign_id, pledge_id = collecting
    ids = {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)}
    data = {"id": gateway.latest(pledge_id).reference, "metadata": ids, "last_payment_error": error}

    assert receive(event(event_type, data), lambda: uow, context()).took_effect

    failed = uow.pledge(pledge_id)
    assert (failed.status, failed.payment_failure_code) == (PledgeStatus.PAYMENT_FAILED, code)
    assert failed.grace_ends_at == FAILED_AT + timedelta(days=2)


def test_events_not_about_our_payments_are_stored_without_effect(
    uow: FakePledgesUnitOfWork,
) -> None:
    for number, (event_type, data) in enumerate(
        [
            ("payment_intent.succeeded", {"id": "pi_x", "metadata": {}}),
            ("payment_intent.payment_failed", {"id": "pi_x"}),
            ("charge.refunded", {"id": "ch_x", "amount_refunded": 100}),
            ("invoice.paid", {"id": "in_x"}),
        ]
    ):
        receipt = receive(event(event_type, data, f"evt_{number}"), lambda: uow, context())
        assert (receipt.duplicate, receipt.took_effect) == (False, False)
    assert len(uow.stripe_inbox) == 4 and uow.published == []


def test_a_dispute_names_the_pledge_stripe_s_books_name(uow: FakePledgesUnitOfWork) -> None:
    campaign_id, pledge_id = uuid.uuid4(), uuid.uuid4()
    ids = {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)}
    books = FakeStripeBooks(facts(ids))
    dispute = {"id": "dp_1", "charge": "ch_x", "amount": 800, "currency": "eur"}

    receive(
        event("charge.dispute.created", dispute | {"reason": "fraudulent"}),
        lambda: uow,
        context(books),
    )
    receive(
        event("charge.dispute.closed", dispute | {"status": "lost"}, "evt_2"),
        lambda: uow,
        context(books),
    )
    receive(
        event("charge.dispute.closed", dispute | {"status": "warning_closed"}, "evt_3"),
        lambda: uow,
        context(books),
    )

    opened, closed = (envelope for _, envelope in uow.published)
    assert (opened.type, opened.payload["reason"], opened.payload["amount"]) == (
        "payment.dispute_opened",
        "fraudulent",
        800,
    )
    assert (closed.type, closed.payload["outcome"]) == ("payment.dispute_closed", "lost")
    assert opened.campaign_id == campaign_id and opened.payload["pledge_id"] == pledge_id
    assert books.reads == ["ch_x", "ch_x", "ch_x"]
    assert uow.stripe_inbox["evt_3"] == ("charge.dispute.closed", False)
