"""The pledges unit of work: one transaction, its repositories, and its outbox."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection

from services.pledges.adapters.accounts import AccountRepository
from services.pledges.adapters.campaigns import CampaignRepository
from services.pledges.adapters.events import PLEDGE_TOPIC, to_envelope
from services.pledges.adapters.idempotency import IdempotencyKeyRepository
from services.pledges.adapters.pledges import PledgeRepository
from services.pledges.domain.events import Event
from shared.db import UnitOfWork


class PledgesUnitOfWork(UnitOfWork):
    accounts: AccountRepository
    campaigns: CampaignRepository
    pledges: PledgeRepository
    idempotency_keys: IdempotencyKeyRepository

    def _open(self, connection: Connection) -> None:
        self.accounts = AccountRepository(connection)
        self.campaigns = CampaignRepository(connection)
        self.pledges = PledgeRepository(connection)
        self.idempotency_keys = IdempotencyKeyRepository(connection)

    def publish_all(self, events: Iterable[Event]) -> None:
        """Queue the domain's events, in order, on `pledges.events`."""
        for event in events:
            self.publish(PLEDGE_TOPIC, to_envelope(event))
