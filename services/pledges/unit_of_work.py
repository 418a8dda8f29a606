"""The pledges unit of work: one transaction, its repositories, and its outbox.

Campaign events (the campaign's and its pledges') are published at commit, from the campaigns
the repository loaded. Account events are published by their handlers with `publish`: the
account records no events of its own, and a link's token must reach only its mail.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection

from services.pledges.adapters.accounts import AccountRepository
from services.pledges.adapters.campaigns import CampaignRepository
from services.pledges.adapters.events import PLEDGE_TOPIC, to_envelope
from services.pledges.adapters.idempotency import IdempotencyKeyRepository
from services.pledges.adapters.payment_customers import PaymentCustomerRepository
from services.pledges.adapters.payout_accounts import PayoutAccountRepository
from services.pledges.adapters.pledges import PledgeRepository
from services.pledges.adapters.revisions import CampaignRevisionRepository
from services.pledges.adapters.stripe_events import StripeEventInbox
from services.pledges.domain import Campaign
from services.pledges.domain.events import Event
from shared.db import UnitOfWork
from shared.events import Envelope


class PledgesUnitOfWork(UnitOfWork):
    accounts: AccountRepository
    campaigns: CampaignRepository
    pledges: PledgeRepository
    idempotency_keys: IdempotencyKeyRepository
    stripe_events: StripeEventInbox
    payment_customers: PaymentCustomerRepository
    payout_accounts: PayoutAccountRepository
    revisions: CampaignRevisionRepository

    def _open(self, connection: Connection) -> None:
        self.accounts = AccountRepository(connection)
        self.campaigns = CampaignRepository(connection)
        self.pledges = PledgeRepository(connection)
        self.idempotency_keys = IdempotencyKeyRepository(connection)
        self.stripe_events = StripeEventInbox(connection)
        self.payment_customers = PaymentCustomerRepository(connection)
        self.payout_accounts = PayoutAccountRepository(connection)
        self.revisions = CampaignRevisionRepository(connection)

    def _seen(self) -> Iterable[Campaign]:
        return self.campaigns.seen

    def _wire(self, event: Event) -> tuple[str, Envelope]:
        return PLEDGE_TOPIC, to_envelope(event)
