"""A pledges unit of work in memory: repositories in dicts, and the envelopes it would publish.

It keeps the real one's rules that handlers rely on: what a block changes is kept only if it
commits, objects read are copies (a change counts only once saved), and the events of the
campaigns it loaded or added are published at commit, through the real wire form.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self

from services.pledges.adapters.idempotency import RecordedPledge
from services.pledges.domain import Campaign, CampaignStatus, Pledge, PledgeStatus
from services.pledges.domain.payouts import PayoutAccountState
from services.pledges.domain.values import CampaignRevision
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.events import Envelope


class FakeCampaigns:
    def __init__(self, store: dict[uuid.UUID, Campaign]) -> None:
        self._store = store
        self.seen: list[Campaign] = []

    def add(self, campaign: Campaign) -> None:
        self.seen.append(campaign)
        self._keep(campaign)

    def get(
        self,
        campaign_id: uuid.UUID,
        *,
        for_update: bool = False,
        with_budget: bool = True,
        with_tiers: bool = True,
    ) -> Campaign | None:
        # Always whole: without the budget or tiers is only fewer reads for the real repository.
        stored = self._store.get(campaign_id)
        if stored is None:
            return None
        campaign = copy.deepcopy(stored)
        self.seen.append(campaign)
        return campaign

    def load_tiers(self, campaign: Campaign) -> None:
        """Nothing to do: this fake's campaigns always come whole (the integration tests,
        on real databases, are where the tiers read late is checked)."""

    def save(self, campaign: Campaign) -> None:
        self._keep(campaign)

    save_state = save

    def creator_of(self, campaign_id: uuid.UUID) -> uuid.UUID | None:
        stored = self._store.get(campaign_id)
        return None if stored is None else stored.creator_id

    def due_ids(self, now: datetime) -> list[uuid.UUID]:
        due = [c for c in self._store.values() if c.status is CampaignStatus.LIVE]
        return [c.id for c in sorted(due, key=lambda c: c.deadline) if c.deadline <= now]

    def _keep(self, campaign: Campaign) -> None:
        stored = copy.deepcopy(campaign)
        stored.events.clear()  # a stored campaign has no news: events live until commit
        self._store[campaign.id] = stored


class FakePledges:
    def __init__(self, store: dict[uuid.UUID, Pledge]) -> None:
        self._store = store

    def add(self, pledge: Pledge) -> None:
        self._store[pledge.id] = copy.deepcopy(pledge)

    save = add

    def save_all(self, changed: list[Pledge]) -> None:
        for pledge in changed:
            self.save(pledge)

    def get(self, pledge_id: uuid.UUID) -> Pledge | None:
        return copy.deepcopy(self._store.get(pledge_id))

    def campaign_of(self, pledge_id: uuid.UUID) -> uuid.UUID | None:
        stored = self._store.get(pledge_id)
        return None if stored is None else stored.campaign_id

    def active_of(self, campaign_id: uuid.UUID, backer_id: uuid.UUID) -> Pledge | None:
        found = [p for p in self.active_for(campaign_id) if p.backer_id == backer_id]
        return found[0] if found else None

    def due_to_drop(self, now: datetime) -> list[uuid.UUID]:
        due = [p for p in self._store.values() if p.is_due_to_drop(now)]
        return [p.id for p in sorted(due, key=lambda p: (p.grace_ends_at, p.id))]

    def active_for(self, campaign_id: uuid.UUID) -> list[Pledge]:
        active = [
            p
            for p in self._store.values()
            if p.campaign_id == campaign_id and p.status is PledgeStatus.PLEDGED
        ]
        return copy.deepcopy(sorted(active, key=lambda p: (p.created_at, p.id)))


class FakeAccounts:
    """Accounts made by an operator: none has a credential to verify."""

    def credential_of(self, account_id: uuid.UUID, *, for_update: bool = False) -> None:
        return None

    def get(self, account_id: uuid.UUID) -> None:
        return None  # handlers asking for an address get none


class FakePayoutAccounts:
    def __init__(self, store: dict[uuid.UUID, PayoutAccountState]) -> None:
        self._store = store

    def of_creator(
        self, creator_id: uuid.UUID, *, for_update: bool = False
    ) -> PayoutAccountState | None:
        return self._store.get(creator_id)

    def by_account_id(
        self, account_id: str, *, for_update: bool = False
    ) -> PayoutAccountState | None:
        found = [s for s in self._store.values() if s.account_id == account_id]
        return found[0] if found else None

    def add_if_absent(self, state: PayoutAccountState) -> bool:
        if state.creator_id in self._store:
            return False
        self._store[state.creator_id] = state
        return True

    def save(self, state: PayoutAccountState) -> None:
        self._store[state.creator_id] = state


class FakeIdempotencyKeys:
    def __init__(self, store: dict[tuple[uuid.UUID, str], RecordedPledge]) -> None:
        self._store = store

    def find(self, account_id: uuid.UUID, key: str) -> RecordedPledge | None:
        return copy.deepcopy(self._store.get((account_id, key)))

    def remember(
        self, account_id: uuid.UUID, key: str, outcome: RecordedPledge, now: datetime
    ) -> bool:
        if (account_id, key) in self._store:
            return False
        self._store[(account_id, key)] = copy.deepcopy(outcome)
        return True


class FakeStripeEvents:
    """The inbox of Stripe events: event id → (type, took effect)."""

    def __init__(self, store: dict[str, tuple[str, bool]]) -> None:
        self._store = store

    def known(self, event_id: str) -> bool:
        return event_id in self._store

    def claim(self, event_id: str, event_type: str, created: datetime, now: datetime) -> bool:
        if event_id in self._store:
            return False
        self._store[event_id] = (event_type, False)
        return True

    def took_effect(self, event_id: str) -> None:
        self._store[event_id] = (self._store[event_id][0], True)

    def effect_of(self, event_id: str) -> bool | None:
        stored = self._store.get(event_id)
        return None if stored is None else stored[1]


class FakePaymentCustomers:
    def __init__(self, store: dict[uuid.UUID, str]) -> None:
        self._store = store

    def of(self, account_id: uuid.UUID) -> str | None:
        return self._store.get(account_id)

    def add(self, account_id: uuid.UUID, customer_id: str, now: datetime) -> None:
        self._store.setdefault(account_id, customer_id)  # the first kept, as in the database


class FakeRevisions:
    def __init__(self, store: dict[uuid.UUID, list[CampaignRevision]]) -> None:
        self._store = store

    def count(self, campaign_id: uuid.UUID) -> int:
        return len(self._store.get(campaign_id, []))

    def add(self, campaign_id: uuid.UUID, revision: CampaignRevision) -> None:
        self._store.setdefault(campaign_id, []).append(revision)

    def list(self, campaign_id: uuid.UUID) -> list[CampaignRevision]:
        return list(self._store.get(campaign_id, []))


class FakePledgesUnitOfWork(PledgesUnitOfWork):
    """Hand the same one to every handler call: what one commits, the next one reads."""

    def __init__(self) -> None:
        self._campaigns: dict[uuid.UUID, Campaign] = {}
        self._pledges: dict[uuid.UUID, Pledge] = {}
        self._keys: dict[tuple[uuid.UUID, str], RecordedPledge] = {}
        #: The Stripe events taken in: id → (type, took effect).
        self.stripe_inbox: dict[str, tuple[str, bool]] = {}
        self._customers: dict[uuid.UUID, str] = {}
        self._payout_accounts: dict[uuid.UUID, PayoutAccountState] = {}
        self._revisions: dict[uuid.UUID, list[CampaignRevision]] = {}
        #: (topic, envelope) of everything committed for the outbox, oldest first.
        self.published: list[tuple[str, Envelope]] = []
        self.commits = 0
        self._open_state: Any = None

    def __enter__(self) -> Self:
        # What the block may change, kept so that leaving it without a commit undoes it all.
        self._open_state = copy.deepcopy(
            (
                self._campaigns,
                self._pledges,
                self._keys,
                self.stripe_inbox,
                self._customers,
                self._payout_accounts,
                self._revisions,
            )
        )
        self._pending: list[tuple[str, Envelope]] = []
        self.campaigns = FakeCampaigns(self._campaigns)  # type: ignore[assignment]
        self.pledges = FakePledges(self._pledges)  # type: ignore[assignment]
        self.accounts = FakeAccounts()  # type: ignore[assignment]
        self.idempotency_keys = FakeIdempotencyKeys(self._keys)  # type: ignore[assignment]
        self.stripe_events = FakeStripeEvents(self.stripe_inbox)  # type: ignore[assignment]
        self.payment_customers = FakePaymentCustomers(self._customers)  # type: ignore[assignment]
        self.payout_accounts = FakePayoutAccounts(self._payout_accounts)  # type: ignore[assignment]
        self.revisions = FakeRevisions(self._revisions)  # type: ignore[assignment]
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._open_state is not None:
            (
                self._campaigns,
                self._pledges,
                self._keys,
                self.stripe_inbox,
                self._customers,
                self._payout_accounts,
                self._revisions,
            ) = self._open_state
        self.drop_new_events()
        self._open_state = None

    def commit(self) -> None:
        self.publish_new_events()
        self.published.extend(self._pending)
        self._pending = []
        self._open_state = None
        self.commits += 1

    def rollback(self) -> None:
        self.__exit__()

    def publish_all(self, messages: Sequence[tuple[str, Envelope]]) -> None:
        self._pending.extend(messages)

    # --- what tests look at -------------------------------------------------------------------

    def event_types(self) -> list[str]:
        return [envelope.type for _, envelope in self.published]

    def campaign(self, campaign_id: uuid.UUID) -> Campaign:
        return self._campaigns[campaign_id]

    def pledge(self, pledge_id: uuid.UUID) -> Pledge:
        return self._pledges[pledge_id]

    def payout_account(self, creator_id: uuid.UUID) -> PayoutAccountState | None:
        return self._payout_accounts.get(creator_id)
