"""Stripe's events dispatched on a unit of work in memory: which type does what, once, and what
happens when Stripe cannot be read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog

from services.pledges import commands, handlers
from services.pledges.adapters.stripe_webhooks import StripeEvent
from services.pledges.domain import CollectionRequest, Pledge, PledgeStatus
from services.pledges.domain.payment_provider import (
    PaymentFacts,
    PaymentProviderError,
    SavedCard,
)
from services.pledges.domain.payouts import PayoutAccountState
from services.pledges.handlers.stripe_events import (
    HANDLERS,
    StripeUnavailable,
    WebhookContext,
    receive,
)
from tests.payment_gateways import PendingGateway
from tests.unit.pledges.conftest import GOAL, World
from tests.unit.pledges.fake_unit_of_work import FakePledgesUnitOfWork
from tests.unit.pledges.test_pledges_cards import FakeProvider, failed_pledge, open_page
from tests.unit.pledges.test_pledges_collection_handlers import FAILED_AT, settled
from tests.unit.pledges.test_pledges_handlers import at, launched, pledge


class FakeStripeBooks:
    """Stripe's books as the adapter reads them: fixed facts, or an outage."""

    def __init__(
        self, facts: PaymentFacts | None = None, down: bool = False, card: str | None = None
    ) -> None:
        self.facts = facts
        self.card = card
        self.down = down
        self.reads: list[str] = []

    def read_payment(self, payment_intent_id: str) -> PaymentFacts:
        return self._read(payment_intent_id)

    def read_charge(self, charge_id: str) -> PaymentFacts:
        return self._read(charge_id)

    def read_card_setup(self, session_id: str) -> SavedCard:
        self.reads.append(session_id)
        if self.down:
            raise PaymentProviderError("Stripe: APIError (HTTP 500)", retryable=True)
        return SavedCard(session_id, "complete", self.card, {})

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
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def collecting(
    world: World, uow: FakePledgesUnitOfWork
) -> tuple[PendingGateway, uuid.UUID, uuid.UUID]:
    gateway = PendingGateway()
    campaign_id, [pledge_id] = settled(world, uow, gateway, [GOAL])
    return gateway, campaign_id, pledge_id


def context(
    books: FakeStripeBooks | None = None, gateway: PendingGateway | None = None
) -> WebhookContext:
    return WebhookContext(
        payments=books,  # type: ignore[arg-type]  (only the reads a handler makes)
        clock=at(FAILED_AT),
        payment_grace=timedelta(days=2),
        payment_gateway=lambda: gateway or PendingGateway(),
    )


def test_every_type_the_issue_names_has_a_handler() -> None:
    assert set(HANDLERS) == {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.requires_action",
        "charge.dispute.created",
        "charge.dispute.closed",
        "charge.refunded",
        "checkout.session.completed",
        "account.updated",
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


def test_a_payment_whose_charge_comes_expanded_with_its_fee_is_not_read_back(
    uow: FakePledgesUnitOfWork, collecting: tuple[PendingGateway, uuid.UUID, uuid.UUID]
) -> None:
    gateway, campaign_id, pledge_id = collecting
    ids = {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)}
    reference = gateway.latest(pledge_id).reference
    charge = {"id": "ch_1", "amount": 5_000, "balance_transaction": {"fee": 175, "net": 4_825}}
    paid = event(
        "payment_intent.succeeded",
        {
            "id": reference,
            "status": "succeeded",
            "amount": 5_000,
            "currency": "eur",
            "metadata": ids,
            "application_fee_amount": 100,
            "latest_charge": charge,
        },
    )
    books = FakeStripeBooks(down=True)  # would raise if asked

    assert receive(paid, lambda: uow, context(books)).took_effect

    fees = [e.payload for _, e in uow.published if e.type == "payment.fee_charged"]
    assert sorted((f["fee_kind"], f["amount"]) for f in fees) == [
        ("platform", 100),
        ("processing", 175),
    ]
    assert {f["payment_reference"] for f in fees} == {"ch_1"}
    assert books.reads == []


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


def test_an_idr_dispute_reaches_the_books_in_whole_rupiah(uow: FakePledgesUnitOfWork) -> None:
    # Stripe writes IDR in hundredths; Fundtrail's events count whole rupiah (CLDR).
    campaign_id, pledge_id = uuid.uuid4(), uuid.uuid4()
    ids = {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)}
    dispute = {"id": "dp_1", "charge": "ch_x", "amount": 5_000_000, "currency": "idr"}

    receive(
        event("charge.dispute.created", dispute | {"reason": "fraudulent"}),
        lambda: uow,
        context(FakeStripeBooks(facts(ids))),
    )

    ((_, opened),) = uow.published
    assert opened.type == "payment.dispute_opened"
    assert (opened.payload["amount"], opened.payload["currency"]) == (50_000, "IDR")


def test_an_idr_refund_total_from_stripe_is_checked_in_whole_rupiah(
    world: World,
    uow: FakePledgesUnitOfWork,
    collecting: tuple[PendingGateway, uuid.UUID, uuid.UUID],
) -> None:
    gateway, campaign_id, pledge_id = collecting
    reference = gateway.latest(pledge_id).reference
    handlers.collection_succeeded(
        commands.CollectionSucceeded(pledge_id, reference, 0), uow, at(FAILED_AT)
    )
    refund = commands.RefundPledge(pledge_id, world.creator_id, reason="Damaged", amount=1_500)
    handlers.refund_pledge(refund, uow, gateway, at(FAILED_AT))
    # 1 500 in our units is 150 000 of Stripe's hundredths where the two differ (IDR): the
    # check compares like with like, so no mismatch is reported.
    charge = {
        "id": "ch_x",
        "object": "charge",
        "payment_intent": reference,
        "amount_refunded": 150_000,
        "currency": "idr",
        "metadata": {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)},
    }
    with structlog.testing.capture_logs() as logs:
        receive(event("charge.refunded", charge), lambda: uow, context())
    assert [entry["event"] for entry in logs if entry["event"].startswith("stripe.refund")] == [
        "stripe.refund_confirmed"
    ]


def card_page_completed(
    uow: FakePledgesUnitOfWork, pledge_id: uuid.UUID, event_id: str = "evt_card"
) -> StripeEvent:
    """The backer saved a card on the pledge's latest hosted page: the event Stripe sends."""
    stored = uow.pledge(pledge_id)
    ids = {"campaign_id": str(stored.campaign_id), "pledge_id": str(pledge_id)}
    page = {"id": stored.checkout_session_id, "mode": "setup", "metadata": ids}
    return event("checkout.session.completed", page, event_id)


def test_a_saved_card_is_kept_once_and_a_failed_payment_is_asked_for_again(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    gateway = PendingGateway()
    pledge_id, backer_id = failed_pledge(world, uow, gateway)
    open_page(uow, provider, pledge_id, backer_id, FAILED_AT)
    books = FakeStripeBooks(card="pm_card_new")
    completed = card_page_completed(uow, pledge_id)

    first = receive(completed, lambda: uow, context(books, gateway))
    again = receive(completed, lambda: uow, context(books, gateway))

    assert (first.took_effect, again.duplicate) == (True, True)
    stored = uow.pledge(pledge_id)
    assert (stored.status, stored.payment_method_id) == (PledgeStatus.COLLECTING, "pm_card_new")
    assert [r.attempt for r in gateway.requests if r.pledge_id == pledge_id] == [1, 2]
    assert books.reads == [stored.checkout_session_id]  # the redelivery asked Stripe nothing


def test_a_card_from_an_older_page_or_a_page_left_empty_changes_nothing(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    campaign_id = launched(world, uow)
    mine = pledge(uow, campaign_id, GOAL).pledge
    open_page(uow, provider, mine.id, mine.backer_id)
    older = card_page_completed(uow, mine.id, "evt_older")
    open_page(uow, provider, mine.id, mine.backer_id)  # the backer opened another page since

    stale = receive(older, lambda: uow, context(FakeStripeBooks(card="pm_old")))
    empty = receive(card_page_completed(uow, mine.id), lambda: uow, context(FakeStripeBooks()))

    assert (stale.took_effect, empty.took_effect) == (False, False)
    assert uow.pledge(mine.id).payment_method_id is None


def test_stripe_down_while_a_card_is_saved_stores_nothing_so_stripe_delivers_again(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    campaign_id = launched(world, uow)
    mine = pledge(uow, campaign_id, GOAL).pledge
    open_page(uow, provider, mine.id, mine.backer_id)
    completed = card_page_completed(uow, mine.id)

    with pytest.raises(StripeUnavailable):
        receive(completed, lambda: uow, context(FakeStripeBooks(down=True)))

    assert uow.stripe_inbox == {}
    retried = receive(completed, lambda: uow, context(FakeStripeBooks(card="pm_1")))
    assert retried.took_effect and uow.pledge(mine.id).payment_method_id == "pm_1"


@pytest.mark.parametrize(
    ("setup_intent", "card", "reads"),
    [
        # Finished and expanded (as `fundtrail payments trigger` sends it): taken as is.
        ({"id": "seti_1", "status": "succeeded", "payment_method": "pm_given"}, "pm_given", 0),
        # Not finished, or only an id (as Stripe sends it): the card is read from Stripe.
        (
            {"id": "seti_1", "status": "requires_payment_method", "payment_method": None},
            "pm_read",
            1,
        ),
        ("seti_1", "pm_read", 1),
    ],
)
def test_a_setup_intent_the_event_carries_finished_spares_the_read_back(
    world: World,
    uow: FakePledgesUnitOfWork,
    provider: FakeProvider,
    setup_intent: object,
    card: str,
    reads: int,
) -> None:
    campaign_id = launched(world, uow)
    mine = pledge(uow, campaign_id, GOAL).pledge
    open_page(uow, provider, mine.id, mine.backer_id)
    completed = card_page_completed(uow, mine.id)
    completed.data_object["setup_intent"] = setup_intent
    books = FakeStripeBooks(card="pm_read")

    assert receive(completed, lambda: uow, context(books)).took_effect

    assert uow.pledge(mine.id).payment_method_id == card
    assert len(books.reads) == reads


def test_a_payout_account_s_newer_state_is_kept_once_and_an_older_word_changes_nothing(
    uow: FakePledgesUnitOfWork,
) -> None:
    creator_id = uuid.uuid4()
    with uow:
        uow.payout_accounts.add_if_absent(
            PayoutAccountState.started(creator_id, "acct_cider", datetime(2026, 11, 30, tzinfo=UTC))
        )
        uow.commit()
    enabled = {
        "id": "acct_cider",
        "details_submitted": True,
        "charges_enabled": True,
        "payouts_enabled": False,
    }
    older = StripeEvent(
        "evt_old", "account.updated", datetime(2026, 11, 29, tzinfo=UTC), {**enabled}
    )

    first = receive(event("account.updated", enabled, "evt_acct"), lambda: uow, context())
    stale = receive(older, lambda: uow, context())

    assert (first.took_effect, stale.took_effect) == (True, False)
    with uow:
        state = uow.payout_accounts.of_creator(creator_id)
    assert state is not None
    assert (state.details_submitted, state.charges_enabled, state.payouts_enabled) == (
        True,
        True,
        False,
    )


# --- settlement through Stripe: what its webhooks must tolerate ------------------------------


@pytest.mark.parametrize(("stripe_refunded", "warned"), [(1_500, False), (4_000, True)])
def test_charge_refunded_checks_stripe_s_total_against_the_books_and_changes_nothing(
    world: World,
    uow: FakePledgesUnitOfWork,
    collecting: tuple[PendingGateway, uuid.UUID, uuid.UUID],
    stripe_refunded: int,
    warned: bool,
) -> None:
    gateway, campaign_id, pledge_id = collecting
    reference = gateway.latest(pledge_id).reference
    handlers.collection_succeeded(
        commands.CollectionSucceeded(pledge_id, reference, 0), uow, at(FAILED_AT)
    )
    refund = commands.RefundPledge(pledge_id, world.creator_id, reason="Damaged", amount=1_500)
    handlers.refund_pledge(refund, uow, gateway, at(FAILED_AT))
    published = list(uow.published)
    charge = {
        "id": "ch_x",
        "object": "charge",
        "payment_intent": reference,
        "amount_refunded": stripe_refunded,
        "currency": "eur",
        "metadata": {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)},
    }

    with structlog.testing.capture_logs() as logs:
        receipt = receive(event("charge.refunded", charge), lambda: uow, context())

    assert (receipt.duplicate, receipt.took_effect) == (False, False)
    assert uow.published == published and uow.pledge(pledge_id).refunded_amount == 1_500
    mismatches = [entry for entry in logs if entry["event"] == "stripe.refund_mismatch"]
    if warned:
        assert mismatches == [
            {
                "event": "stripe.refund_mismatch",
                "log_level": "warning",
                "event_id": "evt_1",
                "pledge_id": str(pledge_id),
                "stripe_refunded": 4_000,
                "books_refunded": 1_500,
            }
        ]
    else:
        assert mismatches == []


def test_a_payment_for_a_pledge_whose_settlement_rolled_back_is_left_for_stripe_to_resend(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    # Stripe took the money, then Stripe went down for another pledge and the settlement
    # rolled back: the pledge is still pledged, and the settlement will be tried again.
    campaign_id = launched(world, uow)
    pledge_id = pledge(uow, campaign_id, GOAL).pledge.id
    ids = {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)}
    books = FakeStripeBooks(facts(ids))

    with pytest.raises(StripeUnavailable):
        receive(
            event("payment_intent.succeeded", {"id": "pi_x", "metadata": ids}),
            lambda: uow,
            context(books),
        )

    assert uow.stripe_inbox == {}  # not taken in: Stripe's redelivery will be
    assert uow.pledge(pledge_id).status is PledgeStatus.PLEDGED


class UnreachableGateway(PendingGateway):
    def request_collection(self, pledge: Pledge, attempt: int) -> CollectionRequest:
        raise PaymentProviderError("Stripe: APIConnectionError (no answer)", retryable=True)


def test_a_new_card_whose_charge_cannot_be_asked_for_is_kept_for_stripe_s_redelivery(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    pledge_id, backer_id = failed_pledge(world, uow, PendingGateway())
    session = open_page(uow, provider, pledge_id, backer_id, FAILED_AT).session_id
    checkout = {
        "id": session,
        "object": "checkout.session",
        "mode": "setup",
        "metadata": {
            "campaign_id": str(uow.pledge(pledge_id).campaign_id),
            "pledge_id": str(pledge_id),
        },
    }

    with pytest.raises(StripeUnavailable):
        receive(
            event("checkout.session.completed", checkout),
            lambda: uow,
            context(FakeStripeBooks(card="pm_new"), UnreachableGateway()),
        )

    assert uow.stripe_inbox == {}
    assert uow.pledge(pledge_id).status is PledgeStatus.PAYMENT_FAILED
    assert uow.pledge(pledge_id).payment_method_id != "pm_new"
