"""Asynchronous collection on a unit of work in memory: settlement asks for the money, the
provider's answers come later (paid, failed, repeated, stale), retries and the grace period."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.pledges import commands, handlers
from services.pledges.domain import (
    DEFAULT_PAYMENT_GRACE,
    CampaignStatus,
    InvalidPaymentResult,
    NotPledgeBacker,
    PaymentGraceOver,
    PaymentNotFailed,
    PaymentStatus,
    PledgeNotCollecting,
    PledgeStatus,
)
from tests.payment_gateways import PendingGateway
from tests.unit.pledges.conftest import GOAL, World
from tests.unit.pledges.fake_unit_of_work import FakePledgesUnitOfWork
from tests.unit.pledges.test_pledges_handlers import AFTER_DEADLINE, at, launched, pledge

FAILED_AT = AFTER_DEADLINE + timedelta(hours=1)
GRACE_OVER = FAILED_AT + DEFAULT_PAYMENT_GRACE


@pytest.fixture
def uow() -> FakePledgesUnitOfWork:
    return FakePledgesUnitOfWork()


@pytest.fixture
def gateway() -> PendingGateway:
    return PendingGateway()


def settled(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway, amounts: list[int]
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A succeeded campaign whose pledges are collecting, with what that published forgotten."""
    campaign_id = launched(world, uow)
    pledge_ids = [pledge(uow, campaign_id, amount).pledge.id for amount in amounts]
    command = commands.SettleCampaign(campaign_id, actor_id=None)
    handlers.settle_campaign(command, uow, gateway, at(AFTER_DEADLINE))
    uow.published.clear()
    return campaign_id, pledge_ids


def fail(
    uow: FakePledgesUnitOfWork, gateway: PendingGateway, pledge_id: uuid.UUID, code: str = "x"
) -> handlers.PaymentResult:
    reference = gateway.latest(pledge_id).reference
    command = commands.CollectionFailed(pledge_id, reference, code)
    return handlers.collection_failed(command, uow, at(FAILED_AT))


def succeed(
    uow: FakePledgesUnitOfWork, gateway: PendingGateway, pledge_id: uuid.UUID, fee: int = 0
) -> handlers.PaymentResult:
    command = commands.CollectionSucceeded(pledge_id, gateway.latest(pledge_id).reference, fee)
    return handlers.collection_succeeded(command, uow, at(FAILED_AT))


def test_settling_with_a_pending_gateway_asks_for_the_money_and_waits(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    campaign_id, [first, second] = settled(world, uow, gateway, [GOAL // 2, GOAL // 2])

    assert uow.campaign(campaign_id).status is CampaignStatus.SUCCEEDED
    assert [uow.pledge(p).status for p in (first, second)] == [PledgeStatus.COLLECTING] * 2
    assert uow.pledge(first).payment_status is PaymentStatus.COLLECTING
    assert sorted((r.pledge_id, r.attempt) for r in gateway.requests) == sorted(
        [(first, 1), (second, 1)]
    )
    assert uow.pledge(first).payment_reference == gateway.latest(first).reference
    # Nothing is collected until the provider says so: no pledge.collected yet.
    settlement = handlers.settle_campaign(
        commands.SettleCampaign(campaign_id, None), uow, gateway, at(AFTER_DEADLINE)
    )
    assert not settlement.settled and uow.published == []
    assert len(gateway.requests) == 2


def test_a_success_collects_the_pledge_once_with_its_fee(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    campaign_id, [pledge_id] = settled(world, uow, gateway, [GOAL])

    first = succeed(uow, gateway, pledge_id, fee=320)
    commits = uow.commits
    again = succeed(uow, gateway, pledge_id, fee=320)

    assert first.changed and not again.changed
    assert uow.commits == commits
    assert uow.pledge(pledge_id).payment_status is PaymentStatus.PAID
    [(_, collected)] = uow.published
    assert collected.type == "pledge.collected"
    assert (collected.payload["amount"], collected.payload["fee_amount"]) == (GOAL, 320)
    assert collected.payload["payment_reference"] == gateway.latest(pledge_id).reference
    assert uow.campaign(campaign_id).pledged_amount == GOAL


def test_a_failure_starts_the_grace_period_and_says_why_without_card_details(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    _, [pledge_id] = settled(world, uow, gateway, [GOAL])

    result = fail(uow, gateway, pledge_id, "card_declined")
    repeated = fail(uow, gateway, pledge_id, "card_declined")

    assert result.changed and not repeated.changed
    stored = uow.pledge(pledge_id)
    assert stored.payment_status is PaymentStatus.PAYMENT_FAILED
    assert stored.payment_retry_until == GRACE_OVER
    [(_, failed)] = uow.published
    assert failed.type == "pledge.payment_failed"
    assert failed.payload == {
        "campaign_id": stored.campaign_id,
        "pledge_id": pledge_id,
        "backer_id": stored.backer_id,
        "amount": GOAL,
        "currency": "EUR",
        "tier_id": None,
        "payment_reference": gateway.latest(pledge_id).reference,
        "reason_code": "card_declined",
        "retry_until": GRACE_OVER,
    }


def test_failure_then_retry_then_success_collects_on_the_second_attempt(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    _, [pledge_id] = settled(world, uow, gateway, [GOAL])
    fail(uow, gateway, pledge_id, "expired_card")
    first_attempt = gateway.latest(pledge_id).reference

    retried = handlers.retry_collection(
        commands.RetryCollection(pledge_id), uow, gateway, at(FAILED_AT + timedelta(days=1))
    )

    assert (retried.status, retried.collection_attempt) == (PledgeStatus.COLLECTING, 2)
    assert gateway.latest(pledge_id).attempt == 2
    assert gateway.latest(pledge_id).reference != first_attempt
    # The first attempt's failure, delivered again late, says nothing about the second.
    late = handlers.collection_failed(
        commands.CollectionFailed(pledge_id, first_attempt, "expired_card"), uow, at(FAILED_AT)
    )
    assert not late.changed and uow.pledge(pledge_id).status is PledgeStatus.COLLECTING
    assert succeed(uow, gateway, pledge_id).changed
    assert uow.pledge(pledge_id).status is PledgeStatus.COLLECTED
    assert uow.event_types() == ["pledge.payment_failed", "pledge.collected"]


def test_an_unpaid_pledge_drops_when_the_grace_period_ends_and_stops_counting(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    campaign_id, [unpaid, paid] = settled(world, uow, gateway, [GOAL, 2_000])
    fail(uow, gateway, unpaid)
    succeed(uow, gateway, paid)
    uow.published.clear()

    early = handlers.drop_unpaid(lambda: uow, at(GRACE_OVER - timedelta(seconds=1)))
    dropped = handlers.drop_unpaid(lambda: uow, at(GRACE_OVER))
    again = handlers.drop_unpaid(lambda: uow, at(GRACE_OVER + timedelta(days=1)))

    assert early == [] and again == []
    assert [p.id for p in dropped] == [unpaid]
    assert uow.pledge(unpaid).payment_status is PaymentStatus.DROPPED
    campaign = uow.campaign(campaign_id)
    assert (campaign.pledged_amount, campaign.backers_count) == (2_000, 1)
    assert campaign.status is CampaignStatus.SUCCEEDED
    assert uow.event_types() == ["pledge.dropped"]
    [(_, event)] = uow.published
    assert (event.payload["pledge_id"], event.payload["amount"]) == (unpaid, GOAL)
    with pytest.raises(PaymentNotFailed):
        handlers.retry_collection(commands.RetryCollection(unpaid), uow, gateway, at(GRACE_OVER))


def test_a_retry_after_the_grace_period_is_refused_and_asks_nothing(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    _, [pledge_id] = settled(world, uow, gateway, [GOAL])
    fail(uow, gateway, pledge_id)
    uow.published.clear()

    with pytest.raises(PaymentGraceOver):
        handlers.retry_collection(commands.RetryCollection(pledge_id), uow, gateway, at(GRACE_OVER))

    assert len(gateway.requests) == 1 and uow.published == []
    assert uow.pledge(pledge_id).status is PledgeStatus.PAYMENT_FAILED


def test_only_the_backer_or_the_platform_retries_and_only_a_failed_payment(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    _, [pledge_id] = settled(world, uow, gateway, [GOAL])
    with pytest.raises(PaymentNotFailed):
        handlers.retry_collection(commands.RetryCollection(pledge_id), uow, gateway, at(FAILED_AT))
    fail(uow, gateway, pledge_id)
    stranger = commands.RetryCollection(pledge_id, actor_id=uuid.uuid4())
    with pytest.raises(NotPledgeBacker):
        handlers.retry_collection(stranger, uow, gateway, at(FAILED_AT))
    assert len(gateway.requests) == 1

    backer = commands.RetryCollection(pledge_id, actor_id=uow.pledge(pledge_id).backer_id)
    assert handlers.retry_collection(backer, uow, gateway, at(FAILED_AT)).collection_attempt == 2


def test_a_stale_failure_after_a_success_changes_nothing(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    _, [pledge_id] = settled(world, uow, gateway, [GOAL])
    succeed(uow, gateway, pledge_id)
    uow.published.clear()

    late = fail(uow, gateway, pledge_id, "card_declined")

    assert not late.changed
    assert uow.pledge(pledge_id).status is PledgeStatus.COLLECTED
    assert uow.published == []


def test_money_that_arrives_after_the_pledge_dropped_counts_again(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    campaign_id, [pledge_id] = settled(world, uow, gateway, [GOAL])
    fail(uow, gateway, pledge_id)
    handlers.drop_unpaid(lambda: uow, at(GRACE_OVER))
    uow.published.clear()

    assert succeed(uow, gateway, pledge_id).changed

    assert uow.pledge(pledge_id).status is PledgeStatus.COLLECTED
    campaign = uow.campaign(campaign_id)
    assert (campaign.pledged_amount, campaign.backers_count) == (GOAL, 1)
    assert uow.event_types() == ["pledge.collected"]


@pytest.mark.parametrize("code", ["", "Card Declined", "4242424242424242 exp 12/30" * 3, "x" * 65])
def test_a_malformed_failure_reason_is_refused_and_writes_nothing(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway, code: str
) -> None:
    _, [pledge_id] = settled(world, uow, gateway, [GOAL])
    commits = uow.commits

    with pytest.raises(InvalidPaymentResult) as refused:
        fail(uow, gateway, pledge_id, code)

    assert refused.value.field == "reason_code"
    assert uow.commits == commits and uow.published == []
    assert uow.pledge(pledge_id).status is PledgeStatus.COLLECTING


@pytest.mark.parametrize("fee", [-1, GOAL + 1])
def test_a_fee_below_nothing_or_above_the_payment_is_refused(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway, fee: int
) -> None:
    _, [pledge_id] = settled(world, uow, gateway, [GOAL])

    with pytest.raises(InvalidPaymentResult):
        succeed(uow, gateway, pledge_id, fee=fee)

    assert uow.pledge(pledge_id).status is PledgeStatus.COLLECTING


def test_a_result_for_a_pledge_nobody_asked_to_pay_is_refused(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    campaign_id = launched(world, uow)
    pledge_id = pledge(uow, campaign_id, 1_000).pledge.id
    uow.published.clear()

    with pytest.raises(PledgeNotCollecting):
        handlers.collection_succeeded(
            commands.CollectionSucceeded(pledge_id, "forged"), uow, at(FAILED_AT)
        )

    assert uow.pledge(pledge_id).status is PledgeStatus.PLEDGED and uow.published == []


def test_a_failed_campaign_charges_nobody_and_releases_every_pledge(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> None:
    campaign_id = launched(world, uow)
    pledge_id = pledge(uow, campaign_id, GOAL - 1).pledge.id
    uow.published.clear()

    handlers.settle_campaign(
        commands.SettleCampaign(campaign_id, None), uow, gateway, at(AFTER_DEADLINE)
    )

    assert gateway.requests == []
    assert gateway.released == [pledge_id]
    assert uow.pledge(pledge_id).payment_status is PaymentStatus.NONE
    assert uow.event_types() == ["campaign.failed", "pledge.released"]
