"""Saved cards on a unit of work in memory: opening the provider's hosted page for a pledge,
the provider's word that a card was saved (repeated, stale, replaced), and a failed payment
asked for again once the card changes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.pledges import commands, handlers
from services.pledges.domain import PaymentGraceOver, PaymentStatus, PledgeStatus
from services.pledges.domain.errors import (
    CardNotNeeded,
    CardsNotTaken,
    InvalidCardSetup,
    NotPledgeBacker,
)
from services.pledges.domain.payment_provider import CardSetup
from tests.payment_gateways import PendingGateway
from tests.unit.pledges.conftest import GOAL, NOW, World
from tests.unit.pledges.fake_unit_of_work import FakePledgesUnitOfWork
from tests.unit.pledges.test_pledges_collection_handlers import FAILED_AT, GRACE_OVER, fail
from tests.unit.pledges.test_pledges_handlers import AFTER_DEADLINE, at, launched, pledge

SITE = "https://fundtrail.example"


class FakeProvider:
    """Records the calls a handler makes; answers as Stripe would (a new page per attempt)."""

    def __init__(self) -> None:
        self.customers: list[uuid.UUID] = []
        self.setups: list[dict[str, Any]] = []

    def create_customer(self, account_id: uuid.UUID, **_: object) -> str:
        self.customers.append(account_id)
        return f"cus_{account_id.hex[:14]}"

    def create_card_setup(self, **params: Any) -> CardSetup:
        self.setups.append(params)
        session = f"cs_test_{params['pledge_id'].hex[:8]}_{params['attempt']}"
        return CardSetup(session, f"https://checkout.stripe.test/{session}", None)


@pytest.fixture
def uow() -> FakePledgesUnitOfWork:
    return FakePledgesUnitOfWork()


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


def open_page(
    uow: FakePledgesUnitOfWork,
    provider: FakeProvider | None,
    pledge_id: uuid.UUID,
    actor: uuid.UUID,
    when: datetime = NOW,
) -> CardSetup:
    command = commands.StartCardSetup(pledge_id, actor)
    return handlers.start_card_setup(command, uow, provider, SITE, at(when))  # type: ignore[arg-type]


def saved(
    uow: FakePledgesUnitOfWork,
    pledge_id: uuid.UUID,
    session: str,
    method: str,
    gateway: PendingGateway | None = None,
    when: datetime = NOW,
) -> handlers.CardSaved:
    command = commands.SaveCard(pledge_id, session, method, when)
    return handlers.card_saved(command, uow, lambda: gateway or PendingGateway(), at(when))


def test_a_backer_gets_a_hosted_page_back_to_the_campaign_and_one_customer(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    campaign_id = launched(world, uow)
    mine = pledge(uow, campaign_id, 1500).pledge
    uow.published.clear()

    first = open_page(uow, provider, mine.id, mine.backer_id)
    second = open_page(uow, provider, mine.id, mine.backer_id)

    assert first.url.startswith("https://checkout.stripe.test/")
    assert provider.customers == [mine.backer_id]  # made once, then reused
    assert [s["attempt"] for s in provider.setups] == [1, 2]
    assert {s["customer_id"] for s in provider.setups} == {f"cus_{mine.backer_id.hex[:14]}"}
    page = f"{SITE}/campaigns/{campaign_id}"
    assert provider.setups[0]["success_url"] == f"{page}?card=saving"
    assert provider.setups[0]["cancel_url"] == page
    assert (provider.setups[0]["currency"], provider.setups[0]["pledge_id"]) == (
        "EUR",
        mine.id,
    )
    stored = uow.pledge(mine.id)
    assert stored.checkout_session_id == second.session_id
    assert stored.payment_status is PaymentStatus.NONE  # nothing saved until Stripe says so
    assert uow.published == []


def test_without_a_provider_no_page_is_opened_and_nothing_is_written(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    mine = pledge(uow, launched(world, uow), 1500).pledge
    commits = uow.commits

    with pytest.raises(CardsNotTaken, match="test mode"):
        open_page(uow, None, mine.id, mine.backer_id)
    assert uow.commits == commits
    assert uow.pledge(mine.id).card_setup_attempt == 0


def test_someone_else_s_pledge_is_refused_before_the_provider_is_asked(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    mine = pledge(uow, launched(world, uow), 1500).pledge

    with pytest.raises(NotPledgeBacker):
        open_page(uow, provider, mine.id, uuid.uuid4())
    assert provider.customers == provider.setups == []
    assert uow.pledge(mine.id).card_setup_attempt == 0


def test_a_pledge_takes_no_card_once_the_campaign_is_over_or_the_pledge_withdrawn(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    campaign_id = launched(world, uow)
    mine = pledge(uow, campaign_id, 1500).pledge
    gone = pledge(uow, campaign_id, 900).pledge
    handlers.cancel_pledge(commands.CancelPledge(gone.id, gone.backer_id), uow, at(NOW))

    with pytest.raises(CardNotNeeded, match="over"):
        open_page(uow, provider, mine.id, mine.backer_id, AFTER_DEADLINE)
    with pytest.raises(CardNotNeeded, match="cancelled"):
        open_page(uow, provider, gone.id, gone.backer_id)
    assert provider.setups == []


def test_the_provider_s_word_saves_the_card_once_and_a_newer_card_replaces_it(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    mine = pledge(uow, launched(world, uow), 1500).pledge
    first = open_page(uow, provider, mine.id, mine.backer_id)

    done = saved(uow, mine.id, first.session_id, "pm_card_one")
    again = saved(uow, mine.id, first.session_id, "pm_card_one")

    assert done.changed and not again.changed
    assert uow.pledge(mine.id).payment_status is PaymentStatus.CARD_SAVED
    assert uow.pledge(mine.id).payment_method_id == "pm_card_one"

    second = open_page(uow, provider, mine.id, mine.backer_id)
    assert saved(uow, mine.id, second.session_id, "pm_card_two").changed
    assert uow.pledge(mine.id).payment_method_id == "pm_card_two"
    # The card lives only in the pledge's row: no event carries it.
    assert all("pm_card" not in str(envelope.payload) for _, envelope in uow.published)


def test_an_answer_about_an_older_page_is_ignored(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    mine = pledge(uow, launched(world, uow), 1500).pledge
    older = open_page(uow, provider, mine.id, mine.backer_id)
    open_page(uow, provider, mine.id, mine.backer_id)
    commits = uow.commits

    stale = saved(uow, mine.id, older.session_id, "pm_card_old")

    assert not stale.changed and uow.commits == commits
    assert uow.pledge(mine.id).payment_method_id is None
    assert uow.pledge(mine.id).payment_status is PaymentStatus.NONE


@pytest.mark.parametrize(
    ("session", "method", "field"),
    [
        ("cs_test_1", "4242424242424242", "payment_method_id"),
        ("cs_test_1", "pm_1 exp 12/30", "payment_method_id"),
        ("not-a-session", "pm_card_one", "checkout_session_id"),
    ],
)
def test_anything_but_the_provider_s_ids_is_refused_and_nothing_stored(
    world: World, uow: FakePledgesUnitOfWork, session: str, method: str, field: str
) -> None:
    mine = pledge(uow, launched(world, uow), 1500).pledge

    with pytest.raises(InvalidCardSetup) as refused:
        saved(uow, mine.id, session, method)
    assert refused.value.field == field
    assert uow.pledge(mine.id).payment_method_id is None


def failed_pledge(
    world: World, uow: FakePledgesUnitOfWork, gateway: PendingGateway
) -> tuple[uuid.UUID, uuid.UUID]:
    campaign_id = launched(world, uow)
    mine = pledge(uow, campaign_id, GOAL).pledge
    handlers.settle_campaign(
        commands.SettleCampaign(campaign_id, None), uow, gateway, at(AFTER_DEADLINE)
    )
    fail(uow, gateway, mine.id, "card_declined")
    return mine.id, mine.backer_id


def test_a_new_card_for_a_failed_payment_asks_for_the_money_again(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    gateway = PendingGateway()
    pledge_id, backer_id = failed_pledge(world, uow, gateway)
    within = FAILED_AT + timedelta(days=1)

    page = open_page(uow, provider, pledge_id, backer_id, within)
    answer = saved(uow, pledge_id, page.session_id, "pm_card_new", gateway, within)

    assert answer.changed and answer.retried
    assert [r.attempt for r in gateway.requests if r.pledge_id == pledge_id] == [1, 2]
    stored = uow.pledge(pledge_id)
    assert (stored.status, stored.payment_method_id) == (PledgeStatus.COLLECTING, "pm_card_new")
    assert stored.payment_reference == gateway.latest(pledge_id).reference


def test_after_the_grace_period_no_page_opens_and_a_late_card_asks_for_nothing(
    world: World, uow: FakePledgesUnitOfWork, provider: FakeProvider
) -> None:
    gateway = PendingGateway()
    pledge_id, backer_id = failed_pledge(world, uow, gateway)
    page = open_page(uow, provider, pledge_id, backer_id, GRACE_OVER - timedelta(minutes=1))

    with pytest.raises(PaymentGraceOver):
        open_page(uow, provider, pledge_id, backer_id, GRACE_OVER)
    late = saved(uow, pledge_id, page.session_id, "pm_card_late", gateway, GRACE_OVER)

    assert late.changed and not late.retried
    assert uow.pledge(pledge_id).status is PledgeStatus.PAYMENT_FAILED
    assert len(gateway.requests) == 1
