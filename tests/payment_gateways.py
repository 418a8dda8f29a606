"""Payment gateways for tests: one that answers "pending", as a real provider does, so the
asynchronous path of collection (results reported later) can be driven by hand."""

from __future__ import annotations

import dataclasses
import uuid

from services.pledges.domain import (
    CollectionOutcome,
    CollectionRequest,
    Pledge,
    RecordOnlyGateway,
)


class PendingGateway(RecordOnlyGateway):
    """Every collection is requested and left pending; ``requests`` lists them, oldest first,
    and ``released`` the pledges it was asked to let off (and forget the card of)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[CollectionRequest] = []

    def request_collection(self, pledge: Pledge, attempt: int) -> CollectionRequest:
        request = dataclasses.replace(
            super().request_collection(pledge, attempt), outcome=CollectionOutcome.PENDING
        )
        self.requests.append(request)
        return request

    @property
    def released(self) -> list[uuid.UUID]:
        return [r.pledge_id for r in self.receipts if r.kind == "release"]

    def latest(self, pledge_id: uuid.UUID) -> CollectionRequest:
        """The newest request for the pledge: the attempt a provider's report would name."""
        return [r for r in self.requests if r.pledge_id == pledge_id][-1]


class MovingGateway(PendingGateway):
    """A pending gateway that says it moves real money, as the Stripe gateway does: launches
    then need the creator's payout account to accept charges."""

    provider = "test-moving"
    moves_money = True
