"""The Pledge entity: one backer's promise to one campaign, and its state machine."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from .errors import InvalidAmount, PledgeNotActive, PledgeNotCollected, RefundExceedsCollected
from .values import PledgeStatus


@dataclass(eq=False, kw_only=True)
class Pledge:
    """A backer's pledge: ``pledged → collected | released | cancelled``, ``collected → refunded``.

    Change pledges through their :class:`~.campaigns.Campaign`, which keeps its tallies and tier
    slots in step and records the events; the methods here only guard the pledge's own state
    machine. Amounts are minor units of ``currency``, which is always the campaign's.
    """

    id: uuid.UUID
    campaign_id: uuid.UUID
    #: The backer's opaque account id.
    backer_id: uuid.UUID
    amount: int
    currency: str
    tier_id: uuid.UUID | None = None
    status: PledgeStatus = PledgeStatus.PLEDGED
    created_at: datetime
    updated_at: datetime
    #: Sum of all refunds so far; at most ``amount``.
    refunded_amount: int = 0
    #: The payment gateway's reference for the collection or release.
    payment_reference: str | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pledge) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def is_active(self) -> bool:
        """Whether the pledge still counts toward its campaign and may be changed."""
        return self.status is PledgeStatus.PLEDGED

    @property
    def refundable_amount(self) -> int:
        """What is left of the collected amount to refund (0 unless collected)."""
        if self.status not in (PledgeStatus.COLLECTED, PledgeStatus.REFUNDED):
            return 0
        return self.amount - self.refunded_amount

    def change(self, amount: int, tier_id: uuid.UUID | None, now: datetime) -> None:
        """Take a new amount and tier while still pledged."""
        self._require_active()
        self.amount = amount
        self.tier_id = tier_id
        self.updated_at = now

    def cancel(self, now: datetime) -> None:
        """``pledged → cancelled``: the backer withdrew."""
        self._move(PledgeStatus.CANCELLED, now)

    def collect(self, payment_reference: str, now: datetime) -> None:
        """``pledged → collected``: the campaign succeeded."""
        self._move(PledgeStatus.COLLECTED, now)
        self.payment_reference = payment_reference

    def release(self, payment_reference: str, now: datetime) -> None:
        """``pledged → released``: the campaign failed or was cancelled."""
        self._move(PledgeStatus.RELEASED, now)
        self.payment_reference = payment_reference

    def check_refund(self, amount: int | None) -> int:
        """The amount a refund of ``amount`` (``None``: all that is left) would return, or the
        reason it cannot: the pledge is not collected, or too little is left."""
        if self.status not in (PledgeStatus.COLLECTED, PledgeStatus.REFUNDED):
            raise PledgeNotCollected(f"the pledge is {self.status.value}, not collected")
        left = self.refundable_amount
        if left == 0:
            raise RefundExceedsCollected("the pledge was already refunded in full", "amount")
        if amount is None:
            return left
        if amount < 1:
            raise InvalidAmount("a refund must return something", "amount")
        if amount > left:
            raise RefundExceedsCollected(
                f"only {left} of the {self.amount} collected is left to refund", "amount"
            )
        return amount

    def refund(self, amount: int, now: datetime) -> None:
        """``collected → refunded``: return ``amount`` of what was collected; may repeat while
        something is left."""
        self.refunded_amount += self.check_refund(amount)
        self.status = PledgeStatus.REFUNDED
        self.updated_at = now

    def _move(self, status: PledgeStatus, now: datetime) -> None:
        self._require_active()
        self.status = status
        self.updated_at = now

    def _require_active(self) -> None:
        if not self.is_active:
            raise PledgeNotActive(f"the pledge is already {self.status.value}")
