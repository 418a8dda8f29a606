"""The Stripe settlement gateway's decisions, on a unit of work in memory and a fake provider:
what each pledge is charged, and what a missing card, a decline, a refusal, Stripe down or a
creator without a payout account do to a settlement, a release, a retry and a refund."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from services.pledges import commands, handlers
from services.pledges.adapters.stripe_gateway import StripeGateway
from services.pledges.domain import CampaignStatus, PledgeStatus
from services.pledges.domain.errors import PledgeNotCollected
from services.pledges.domain.payment_provider import (
    ChargeOutcome,
    ChargeResult,
    OffSessionCharge,
    PaymentProviderError,
    RefundResult,
)
from services.pledges.domain.payouts import PayoutAccountNotReady, PayoutAccountState
from tests.unit.pledges.conftest import NOW, World
from tests.unit.pledges.fake_unit_of_work import FakePledgesUnitOfWork
from tests.unit.pledges.test_pledges_handlers import (
    AFTER_DEADLINE,
    at,
    create_command,
    launched,
    pledge,
)

GRACE = timedelta(days=3)
FEE_BPS = 250  # 2.5 %


@dataclass
class FakeStripe:
    """Answers as Stripe would, and remembers every call; `answers` decides a pledge's charge
    (a ChargeResult or an error to raise), by pledge id."""

    answers: dict[uuid.UUID, ChargeResult | PaymentProviderError] = field(default_factory=dict)
    detach_error: PaymentProviderError | None = None
    refund_error: PaymentProviderError | None = None
    charges: list[OffSessionCharge] = field(default_factory=list)
    detached: list[str] = field(default_factory=list)
    refunds: list[dict[str, object]] = field(default_factory=list)

    def charge(self, order: OffSessionCharge) -> ChargeResult:
        self.charges.append(order)
        answer = self.answers.get(order.pledge_id)
        if isinstance(answer, PaymentProviderError):
            raise answer
        return answer or ChargeResult(
            "processing", f"pi_{order.pledge_id.hex[:8]}_{order.attempt}", order.amount, "EUR"
        )

    def detach_payment_method(self, payment_method_id: str) -> None:
        self.detached.append(payment_method_id)
        if self.detach_error is not None:
            raise self.detach_error

    def refund(self, **params: object) -> RefundResult:
        self.refunds.append(params)
        if self.refund_error is not None:
            raise self.refund_error
        refund_id = params["refund_id"]
        assert isinstance(refund_id, uuid.UUID) and isinstance(params["amount"], int)
        return RefundResult(f"re_{refund_id.hex[:10]}", "succeeded", params["amount"], "EUR")


DOWN = PaymentProviderError("Stripe: APIConnectionError (no answer)", retryable=True)
BAD_KEY = PaymentProviderError(
    "Stripe: AuthenticationError (HTTP 401)", retryable=False, installation=True
)
REFUSED = PaymentProviderError(
    "Stripe: InvalidRequestError (HTTP 400, code resource_missing)", retryable=False
)


def declined(outcome: ChargeOutcome, intent: str | None, code: str) -> ChargeResult:
    return ChargeResult(outcome, intent, 5_000, "EUR", code)


@pytest.fixture
def uow() -> FakePledgesUnitOfWork:
    return FakePledgesUnitOfWork()


@pytest.fixture
def stripe() -> FakeStripe:
    return FakeStripe()


def gateway(stripe: FakeStripe) -> StripeGateway:
    return StripeGateway(stripe, platform_fee_bps=FEE_BPS)  # type: ignore[arg-type]


def real_money_campaign(
    world: World,
    uow: FakePledgesUnitOfWork,
    amounts: list[int],
    *,
    cards: bool = True,
    funding_model: str = "flexible",
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A campaign launched where money moves (its creator can be paid), with a pledge per
    amount, each backer a Stripe customer with a saved card unless `cards` is False."""
    with uow:
        uow.payout_accounts.add_if_absent(
            PayoutAccountState(world.creator_id, "acct_creator", True, True, True, NOW)
        )
        uow.commit()
    campaign = handlers.create_campaign(
        create_command(world, funding_model=funding_model), uow, at(NOW)
    )
    handlers.launch_campaign(
        commands.LaunchCampaign(campaign.id, world.creator_id), uow, at(NOW), moves_money=True
    )
    ids = []
    for amount in amounts:
        made = pledge(uow, campaign.id, amount).pledge
        if cards:
            give_card(uow, made.id, f"pm_{made.id.hex[:8]}")
        ids.append(made.id)
    uow.published.clear()
    return campaign.id, ids


def give_card(uow: FakePledgesUnitOfWork, pledge_id: uuid.UUID, method: str) -> None:
    stored = uow.pledge(pledge_id)
    with uow:
        uow.payment_customers.add(stored.backer_id, f"cus_{stored.backer_id.hex[:8]}", NOW)
        uow.commit()
    stored.payment_method_id = method


def settle(
    uow: FakePledgesUnitOfWork, stripe: FakeStripe, campaign_id: uuid.UUID
) -> handlers.Settlement:
    return handlers.settle_campaign(
        commands.SettleCampaign(campaign_id, actor_id=None),
        uow,
        gateway(stripe),
        at(AFTER_DEADLINE),
        payment_grace=GRACE,
    )


def test_settlement_charges_each_saved_card_to_the_creator_and_waits_for_stripe(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    campaign_id, (first, second) = real_money_campaign(world, uow, [10_000, 2_999])

    settle(uow, stripe, campaign_id)

    assert {(c.pledge_id, c.attempt, c.amount, c.currency) for c in stripe.charges} == {
        (first, 1, 10_000, "EUR"),
        (second, 1, 2_999, "EUR"),
    }
    order = next(c for c in stripe.charges if c.pledge_id == first)
    stored = uow.pledge(first)
    assert order.campaign_id == campaign_id
    assert order.customer_id == f"cus_{stored.backer_id.hex[:8]}"
    assert order.payment_method_id == f"pm_{first.hex[:8]}"
    assert order.destination_account_id == "acct_creator"
    fees = {c.pledge_id: c.platform_fee for c in stripe.charges}
    assert fees == {first: 250, second: 74}  # 2.5 %, rounded down
    # The webhook decides: collecting, named by the PaymentIntent the webhook will name.
    assert stored.status is PledgeStatus.COLLECTING
    assert stored.payment_reference == f"pi_{first.hex[:8]}_1"
    assert "pledge.collected" not in uow.event_types()


def test_a_pledge_without_a_card_fails_at_once_with_the_grace_period_and_blocks_nobody(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    campaign_id, (carded,) = real_money_campaign(world, uow, [5_000])
    bare = pledge(uow, campaign_id, 3_000).pledge.id
    uow.published.clear()

    settle(uow, stripe, campaign_id)

    assert [c.pledge_id for c in stripe.charges] == [carded]  # nothing to charge for `bare`
    failed = uow.pledge(bare)
    assert failed.status is PledgeStatus.PAYMENT_FAILED
    assert failed.payment_failure_code == "no_card"
    assert failed.grace_ends_at == AFTER_DEADLINE + GRACE
    assert uow.pledge(carded).status is PledgeStatus.COLLECTING
    assert uow.event_types().count("pledge.payment_failed") == 1


@pytest.mark.parametrize(
    ("answer", "reference", "reason"),
    [
        (declined("failed", "pi_nsf", "insufficient_funds"), "pi_nsf", "insufficient_funds"),
        (declined("requires_action", "pi_3ds", "x"), "pi_3ds", "authentication_required"),
        (declined("failed", None, "Card Declined!"), None, "card_declined"),
    ],
)  # fmt: skip
def test_a_card_declined_at_once_fails_once_even_when_stripe_s_webhook_follows(
    world: World,
    uow: FakePledgesUnitOfWork,
    stripe: FakeStripe,
    answer: ChargeResult,
    reference: str | None,
    reason: str,
) -> None:
    campaign_id, (declined,) = real_money_campaign(world, uow, [5_000])
    stripe.answers[declined] = answer

    settle(uow, stripe, campaign_id)

    stored = uow.pledge(declined)
    assert stored.status is PledgeStatus.PAYMENT_FAILED
    assert stored.payment_failure_code == reason
    assert stored.payment_reference == (reference or f"stripe:declined:{declined}:1")
    assert uow.event_types().count("pledge.payment_failed") == 1
    # Stripe's payment_intent.payment_failed for the same PaymentIntent: a repeat, no effect.
    repeat = commands.CollectionFailed(declined, stored.payment_reference, "card_declined")
    later = at(AFTER_DEADLINE + timedelta(minutes=1))
    assert not handlers.collection_failed(repeat, uow, later, GRACE).changed
    assert uow.event_types().count("pledge.payment_failed") == 1
    assert uow.pledge(declined).grace_ends_at == AFTER_DEADLINE + GRACE


def test_a_payment_intent_left_unfinished_without_a_reason_waits_for_its_webhook(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    # stripe-mock's stock answer: requires_payment_method, and no decline code.
    campaign_id, (pledge_id,) = real_money_campaign(world, uow, [5_000])
    stripe.answers[pledge_id] = ChargeResult("failed", "pi_unfinished", 5_000, "EUR")

    settle(uow, stripe, campaign_id)

    stored = uow.pledge(pledge_id)
    assert (stored.status, stored.payment_reference) == (PledgeStatus.COLLECTING, "pi_unfinished")
    assert "pledge.payment_failed" not in uow.event_types()


@pytest.mark.parametrize("error", [DOWN, BAD_KEY], ids=["stripe down", "key refused"])
def test_stripe_down_rolls_the_settlement_back_and_the_next_try_repeats_the_same_attempts(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe, error: PaymentProviderError
) -> None:
    campaign_id, (first, second) = real_money_campaign(world, uow, [5_000, 7_000])
    stripe.answers[second] = error
    commits = uow.commits

    with pytest.raises(PaymentProviderError):
        settle(uow, stripe, campaign_id)
    assert uow.commits == commits and uow.published == []
    assert uow.campaign(campaign_id).status is CampaignStatus.LIVE
    assert uow.pledge(first).status is PledgeStatus.PLEDGED

    del stripe.answers[second]
    settle(uow, stripe, campaign_id)

    # Pledge and attempt make the idempotency key: a pledge charged before the rollback is
    # asked again with the very same request, which Stripe answers with the PaymentIntent it
    # made the first time.
    assert {(c.pledge_id, c.attempt) for c in stripe.charges} == {(first, 1), (second, 1)}
    for pledge_id in (first, second):
        assert len({c for c in stripe.charges if c.pledge_id == pledge_id}) == 1
    assert len([c for c in stripe.charges if c.pledge_id == second]) == 2
    assert {uow.pledge(p).status for p in (first, second)} == {PledgeStatus.COLLECTING}


def test_settle_due_leaves_a_campaign_stripe_could_not_take_for_the_next_pass(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    stuck, (unlucky,) = real_money_campaign(world, uow, [5_000])
    fine, _ = real_money_campaign(world, uow, [6_000])
    stripe.answers[unlucky] = DOWN

    done = handlers.settle_due(
        lambda: uow, lambda: gateway(stripe), at(AFTER_DEADLINE), payment_grace=GRACE
    )

    assert [s.campaign.id for s in done] == [fine]
    assert uow.campaign(stuck).status is CampaignStatus.LIVE


def test_a_charge_stripe_refuses_as_made_fails_that_pledge_only(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    campaign_id, (refused, fine) = real_money_campaign(world, uow, [5_000, 6_000])
    stripe.answers[refused] = REFUSED

    settle(uow, stripe, campaign_id)

    stored = uow.pledge(refused)
    assert (stored.status, stored.payment_failure_code) == (
        PledgeStatus.PAYMENT_FAILED,
        "payment_refused",
    )
    assert stored.payment_reference == f"stripe:refused:{refused}:1"
    assert uow.pledge(fine).status is PledgeStatus.COLLECTING


def test_a_creator_who_cannot_be_paid_holds_the_settlement_back_and_nobody_is_charged(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    campaign_id, (waiting,) = real_money_campaign(world, uow, [5_000])
    with uow:  # the account lost its charges after launch
        uow.payout_accounts.save(
            PayoutAccountState(world.creator_id, "acct_creator", True, False, False, NOW)
        )
        uow.commit()

    with pytest.raises(PayoutAccountNotReady, match="settlement waits"):
        settle(uow, stripe, campaign_id)
    assert stripe.charges == []
    assert uow.pledge(waiting).status is PledgeStatus.PLEDGED
    assert handlers.settle_due(lambda: uow, lambda: gateway(stripe), at(AFTER_DEADLINE)) == []


def test_a_campaign_launched_in_test_mode_ends_without_stripe(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    campaign_id = launched(world, uow, funding_model="flexible")  # before money moved here
    tested = pledge(uow, campaign_id, 5_000).pledge.id

    settle(uow, stripe, campaign_id)

    assert stripe.charges == []
    assert uow.pledge(tested).status is PledgeStatus.COLLECTED
    assert str(uow.pledge(tested).payment_reference).startswith("record-only:")


def test_a_failed_campaign_detaches_saved_cards_and_says_so(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    # All or nothing, short of its goal: it fails.
    campaign_id, (carded,) = real_money_campaign(
        world, uow, [5_000], funding_model="all_or_nothing"
    )
    bare = pledge(uow, campaign_id, 3_000).pledge.id

    settle(uow, stripe, campaign_id)

    assert uow.campaign(campaign_id).status is CampaignStatus.FAILED
    assert stripe.charges == [] and stripe.detached == [f"pm_{carded.hex[:8]}"]
    assert uow.pledge(carded).payment_reference == f"stripe:release:{carded}:card-detached"
    assert uow.pledge(bare).payment_reference == f"stripe:release:{bare}:no-card"


@pytest.mark.parametrize(
    ("error", "outcome"),
    [(REFUSED, "card-not-detached"), (DOWN, None)],
    ids=["already gone", "stripe down"],
)
def test_a_card_that_cannot_be_detached(
    world: World,
    uow: FakePledgesUnitOfWork,
    stripe: FakeStripe,
    error: PaymentProviderError,
    outcome: str | None,
) -> None:
    campaign_id, (carded,) = real_money_campaign(world, uow, [5_000])
    stripe.detach_error = error
    cancel = commands.CancelCampaign(campaign_id, world.creator_id)

    if outcome is None:  # tried again later: nothing recorded now
        with pytest.raises(PaymentProviderError):
            handlers.cancel_campaign(cancel, uow, gateway(stripe), at(NOW))
        assert uow.pledge(carded).status is PledgeStatus.PLEDGED
        return
    handlers.cancel_campaign(cancel, uow, gateway(stripe), at(NOW))
    assert uow.pledge(carded).status is PledgeStatus.RELEASED
    assert uow.pledge(carded).payment_reference == f"stripe:release:{carded}:{outcome}"


def test_a_new_card_in_the_grace_period_is_charged_as_the_next_attempt(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    campaign_id, (declined,) = real_money_campaign(world, uow, [5_000])
    stripe.answers[declined] = ChargeResult("failed", "pi_first", 5_000, "EUR", "expired_card")
    settle(uow, stripe, campaign_id)
    del stripe.answers[declined]
    give_card(uow, declined, "pm_newcard")

    handlers.retry_collection(
        commands.RetryCollection(declined, actor_id=None), uow, gateway(stripe), at(NOW)
    )

    retry = stripe.charges[-1]
    assert (retry.attempt, retry.payment_method_id) == (2, "pm_newcard")
    assert uow.pledge(declined).status is PledgeStatus.COLLECTING
    assert uow.pledge(declined).payment_reference == f"pi_{declined.hex[:8]}_2"


def test_a_refund_goes_to_the_payment_intent_with_a_key_that_survives_a_retry(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    campaign_id, (paid,) = real_money_campaign(world, uow, [5_000])
    settle(uow, stripe, campaign_id)
    intent = str(uow.pledge(paid).payment_reference)
    handlers.collection_succeeded(commands.CollectionSucceeded(paid, intent, 0), uow, at(NOW))
    refund = commands.RefundPledge(paid, world.creator_id, reason="Out of stock", amount=1_000)

    stripe.refund_error = DOWN  # our request is lost: nothing recorded, tried again
    with pytest.raises(PaymentProviderError):
        handlers.refund_pledge(refund, uow, gateway(stripe), at(NOW))
    stripe.refund_error = None
    handlers.refund_pledge(refund, uow, gateway(stripe), at(NOW))
    handlers.refund_pledge(refund, uow, gateway(stripe), at(NOW))  # a second refund of 10.00

    keys = [str(r["refund_id"]) for r in stripe.refunds]
    assert keys[0] == keys[1] != keys[2]
    assert {(r["payment_intent_id"], r["amount"]) for r in stripe.refunds} == {(intent, 1_000)}
    assert uow.pledge(paid).refunded_amount == 2_000
    refunded = [e for _, e in uow.published if e.type == "pledge.refunded"]
    assert refunded[-1].payload["payment_reference"] == f"re_{keys[2].replace('-', '')[:10]}"


def test_the_unbound_gateway_only_says_who_moves_the_money(stripe: FakeStripe) -> None:
    unbound = gateway(stripe)

    assert (unbound.provider, unbound.moves_money) == ("stripe", True)
    with pytest.raises(RuntimeError, match="bound to a campaign"):
        unbound.release(None)  # type: ignore[arg-type]


def test_a_new_card_declined_at_once_keeps_the_first_deadline(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    campaign_id, (declined,) = real_money_campaign(world, uow, [5_000])
    stripe.answers[declined] = ChargeResult("failed", "pi_first", 5_000, "EUR", "expired_card")
    settle(uow, stripe, campaign_id)
    give_card(uow, declined, "pm_alsobad")
    stripe.answers[declined] = ChargeResult("failed", "pi_second", 5_000, "EUR", "do_not_honor")
    a_day_later = at(AFTER_DEADLINE + timedelta(days=1))

    handlers.retry_collection(
        commands.RetryCollection(declined, actor_id=None),
        uow,
        gateway(stripe),
        a_day_later,
        payment_grace=GRACE,
    )

    stored = uow.pledge(declined)
    assert (stored.status, stored.payment_failure_code, stored.payment_reference) == (
        PledgeStatus.PAYMENT_FAILED,
        "do_not_honor",
        "pi_second",
    )
    assert stored.grace_ends_at == AFTER_DEADLINE + GRACE  # the first failure's
    assert uow.event_types().count("pledge.payment_failed") == 2


def test_a_refund_of_a_payment_stripe_never_took_is_refused_before_stripe_is_asked(
    world: World, uow: FakePledgesUnitOfWork, stripe: FakeStripe
) -> None:
    campaign_id, (paid,) = real_money_campaign(world, uow, [5_000])
    settle(uow, stripe, campaign_id)
    # Collected under a reference that is no PaymentIntent (not through this gateway).
    collected = commands.CollectionSucceeded(paid, uow.pledge(paid).payment_reference or "", 0)
    handlers.collection_succeeded(collected, uow, at(NOW))
    uow.pledge(paid).payment_reference = "record-only:collection:x"
    refund = commands.RefundPledge(paid, world.creator_id, reason="Out of stock", amount=1_000)

    with pytest.raises(PledgeNotCollected, match="not taken through Stripe"):
        handlers.refund_pledge(refund, uow, gateway(stripe), at(NOW))
    assert stripe.refunds == [] and uow.pledge(paid).refunded_amount == 0
