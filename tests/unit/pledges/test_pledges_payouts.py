"""Creators' payout accounts: set-up, the provider's word on them in any order, and the launch
rule that needs one when money moves. A fake unit of work and a fake provider, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from services.pledges import commands, handlers
from services.pledges.domain import CampaignStatus
from services.pledges.domain.payment_provider import (
    OnboardingLink,
    PaymentProviderError,
    PayoutAccount,
)
from services.pledges.domain.payouts import (
    NoPayoutAccount,
    PayoutAccountNotReady,
    PayoutAccountState,
    PayoutsNotNeeded,
)
from tests.unit.pledges.conftest import NOW, World
from tests.unit.pledges.fake_unit_of_work import FakePledgesUnitOfWork

SITE = "https://fundtrail.example"


@dataclass
class FakeProvider:
    """Connect Express as far as payout accounts go: one account per creator, as the
    idempotency key on the creator makes it; `state` is what a read of it answers."""

    state: PayoutAccount | None = None
    down: bool = False
    made: list[uuid.UUID] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    reads: int = 0

    def create_payout_account(self, account_id: uuid.UUID, *, email: str | None = None) -> str:
        self.made.append(account_id)
        return f"acct_{account_id.hex[:16]}"

    def onboarding_link(
        self, payout_account_id: str, *, request_id: uuid.UUID, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        self.links.append((payout_account_id, refresh_url, return_url))
        return OnboardingLink(url=f"https://connect.example/setup/{request_id}", expires_at=None)

    def read_payout_account(self, payout_account_id: str) -> PayoutAccount:
        self.reads += 1
        if self.down:
            raise PaymentProviderError("APIConnectionError", retryable=True)
        assert self.state is not None
        return self.state


@pytest.fixture
def uow() -> FakePledgesUnitOfWork:
    return FakePledgesUnitOfWork()


def start(uow: FakePledgesUnitOfWork, provider: FakeProvider, creator: uuid.UUID) -> str:
    link = handlers.start_payout_onboarding(
        commands.StartPayoutOnboarding(creator, uuid.uuid4()), uow, provider, SITE, lambda: NOW
    )
    return link.url


def updated(
    uow: FakePledgesUnitOfWork,
    account_id: str,
    at: datetime,
    *,
    charges: bool,
    payouts: bool = False,
) -> bool:
    return handlers.payout_account_updated(
        commands.PayoutAccountUpdated(
            account_id=account_id,
            details_submitted=True,
            charges_enabled=charges,
            payouts_enabled=payouts,
            occurred_at=at,
        ),
        uow,
    )


def test_setting_up_makes_one_account_per_creator_and_a_new_link_each_time(
    uow: FakePledgesUnitOfWork,
) -> None:
    provider = FakeProvider()
    creator = uuid.uuid4()

    first, second = start(uow, provider, creator), start(uow, provider, creator)

    assert provider.made == [creator]  # the account once, a link each time
    assert first != second
    state = uow.payout_account(creator)
    assert state == PayoutAccountState(creator, provider.links[0][0], False, False, False, NOW)
    # The provider sends the creator back to the console's payouts section, either way.
    assert {(r, b) for _, r, b in provider.links} == {(f"{SITE}/console/payouts",) * 2}


def test_without_a_provider_there_is_nothing_to_set_up_and_nothing_is_written(
    uow: FakePledgesUnitOfWork,
) -> None:
    creator = uuid.uuid4()
    with pytest.raises(PayoutsNotNeeded, match="test mode"):
        handlers.start_payout_onboarding(
            commands.StartPayoutOnboarding(creator, uuid.uuid4()), uow, None, SITE
        )
    assert uow.payout_account(creator) is None and uow.commits == 0


def test_the_providers_word_is_kept_unless_ours_is_newer(uow: FakePledgesUnitOfWork) -> None:
    provider = FakeProvider()
    creator = uuid.uuid4()
    start(uow, provider, creator)
    account_id = uow.payout_account(creator).account_id  # type: ignore[union-attr]

    assert updated(uow, account_id, NOW + timedelta(minutes=5), charges=True, payouts=True)
    # An older notice arriving late (charges not yet enabled) changes nothing.
    assert not updated(uow, account_id, NOW + timedelta(minutes=1), charges=False)
    # The same notice again changes nothing either.
    assert not updated(uow, account_id, NOW + timedelta(minutes=5), charges=True, payouts=True)

    state = uow.payout_account(creator)
    assert state is not None
    assert (state.charges_enabled, state.payouts_enabled) == (True, True)
    assert state.updated_at == NOW + timedelta(minutes=5)


def test_stripe_s_word_from_the_second_we_made_the_account_is_taken() -> None:
    # Stripe's times are whole seconds: 12:00:07 is not older than our 12:00:07.6.
    made = PayoutAccountState.started(uuid.uuid4(), "acct_new", NOW.replace(microsecond=600_000))
    same_second = NOW.replace(microsecond=0)

    told = made.told(
        details_submitted=True, charges_enabled=True, payouts_enabled=True, at=same_second
    )

    assert told is not None and told.charges_enabled
    assert (
        made.told(
            details_submitted=False,
            charges_enabled=False,
            payouts_enabled=False,
            at=same_second - timedelta(seconds=1),
        )
        is None
    )


def test_a_notice_about_an_account_we_never_made_is_ignored(uow: FakePledgesUnitOfWork) -> None:
    assert not updated(uow, "acct_somebody_else", NOW, charges=True)
    assert uow.commits == 0


def test_the_state_is_read_back_while_charges_are_not_enabled_and_nothing_is_written(
    uow: FakePledgesUnitOfWork,
) -> None:
    creator = uuid.uuid4()
    provider = FakeProvider()
    start(uow, provider, creator)
    account_id = uow.payout_account(creator).account_id  # type: ignore[union-attr]
    provider.state = PayoutAccount(account_id, True, True, False)
    commits = uow.commits

    state = handlers.payout_account(creator, uow, provider, lambda: NOW + timedelta(hours=1))

    assert (state.details_submitted, state.charges_enabled, state.payouts_enabled) == (
        True,
        True,
        False,
    )
    assert uow.commits == commits  # a read writes nothing
    assert not uow.payout_account(creator).charges_enabled  # type: ignore[union-attr]

    # The provider down: what we last knew, not an error.
    provider.down = True
    assert handlers.payout_account(creator, uow, provider) == uow.payout_account(creator)


def test_no_account_before_setting_up(uow: FakePledgesUnitOfWork) -> None:
    with pytest.raises(NoPayoutAccount):
        handlers.payout_account(uuid.uuid4(), uow, FakeProvider())


def draft_in(uow: FakePledgesUnitOfWork, world: World) -> uuid.UUID:
    campaign = world.draft()
    with uow:
        uow.campaigns.add(campaign)
        uow.commit()
    return campaign.id


def launch(
    uow: FakePledgesUnitOfWork, world: World, campaign_id: uuid.UUID, provider: FakeProvider
) -> CampaignStatus:
    campaign = handlers.launch_campaign(
        commands.LaunchCampaign(campaign_id, world.creator_id),
        uow,
        lambda: NOW,
        moves_money=True,
        payments=provider,
    )
    return campaign.status


def test_when_money_moves_a_creator_without_a_payout_account_cannot_launch(
    uow: FakePledgesUnitOfWork, world: World
) -> None:
    campaign_id = draft_in(uow, world)

    with pytest.raises(PayoutAccountNotReady, match="Connect a payout account before launching"):
        launch(uow, world, campaign_id, FakeProvider())
    assert uow.campaign(campaign_id).status is CampaignStatus.DRAFT


def test_when_money_moves_launch_waits_for_charges_and_reads_the_account_back(
    uow: FakePledgesUnitOfWork, world: World
) -> None:
    provider = FakeProvider()
    campaign_id = draft_in(uow, world)
    start(uow, provider, world.creator_id)
    account_id = uow.payout_account(world.creator_id).account_id  # type: ignore[union-attr]

    provider.state = PayoutAccount(account_id, True, False, False)
    with pytest.raises(PayoutAccountNotReady, match="not enabled charges yet"):
        launch(uow, world, campaign_id, provider)
    assert uow.campaign(campaign_id).status is CampaignStatus.DRAFT

    # Stripe enabled charges; its notice has not arrived, the launch reads and keeps it.
    provider.state = PayoutAccount(account_id, True, True, False)
    assert launch(uow, world, campaign_id, provider) is CampaignStatus.LIVE
    assert uow.payout_account(world.creator_id).charges_enabled  # type: ignore[union-attr]


def test_in_test_mode_a_campaign_launches_without_a_payout_account(
    uow: FakePledgesUnitOfWork, world: World
) -> None:
    campaign_id = draft_in(uow, world)
    campaign = handlers.launch_campaign(
        commands.LaunchCampaign(campaign_id, world.creator_id), uow, lambda: NOW
    )
    assert campaign.status is CampaignStatus.LIVE
