"""The Pledge entity: one backer's promise to one campaign, and its state machine."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.money import format_amount

from .errors import (
    InvalidAmount,
    PaymentGraceOver,
    PaymentNotFailed,
    PledgeNotActive,
    PledgeNotCollected,
    PledgeNotCollecting,
    RefundExceedsCollected,
)
from .values import PAYMENT_STATUS_OF, PaymentStatus, PledgeStatus

#: States in which the provider has been asked for the money and may still report on it.
_ASKED = (PledgeStatus.COLLECTING, PledgeStatus.PAYMENT_FAILED, PledgeStatus.DROPPED)


@dataclass(eq=False, kw_only=True)
class Pledge:
    """A backer's pledge and its state machine (see :class:`~.values.PledgeStatus`).

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
    #: The payment gateway's reference for the collection (the latest attempt's) or release.
    payment_reference: str | None = None
    #: How many times the money was asked for: 1 at settlement, one more per retry.
    collection_attempt: int = 0
    #: When the backer's time to fix a failed payment ends; set by the first failure and kept
    #: through retries (a retry does not buy more time).
    grace_ends_at: datetime | None = None
    #: The provider's short code for the last failure (``card_declined``); never card details.
    payment_failure_code: str | None = None
    #: The provider's id of the card the backer saved (``pm_…``): never the card's details.
    payment_method_id: str | None = None
    #: The provider's latest hosted page for saving a card; only its answer counts.
    checkout_session_id: str | None = None
    #: How many such pages were opened for this pledge (each is a new provider call).
    card_setup_attempt: int = 0
    #: Where the backer came from: a share tag (``whatsapp``) or the referring site's host,
    #: never a URL; ``None`` for a direct visit. Set when the pledge is made and kept through
    #: every change, so the first share that brought the backer keeps the credit.
    source: str | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pledge) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def is_active(self) -> bool:
        """Whether the pledge still counts toward its campaign and may be changed."""
        return self.status is PledgeStatus.PLEDGED

    @property
    def payment_status(self) -> PaymentStatus:
        """Where the backer's money stands."""
        if self.status is PledgeStatus.PLEDGED and self.payment_method_id:
            return PaymentStatus.CARD_SAVED
        return PAYMENT_STATUS_OF[self.status]

    @property
    def payment_retry_until(self) -> datetime | None:
        """Until when a failed payment may be fixed; ``None`` unless the payment failed."""
        return self.grace_ends_at if self.status is PledgeStatus.PAYMENT_FAILED else None

    @property
    def payment_failure_reason(self) -> str | None:
        """The provider's short code for why the payment failed (``card_declined``), while the
        failure stands: the payment failed or the pledge dropped; otherwise ``None``."""
        if self.status in (PledgeStatus.PAYMENT_FAILED, PledgeStatus.DROPPED):
            return self.payment_failure_code
        return None

    @property
    def dropped_at(self) -> datetime | None:
        """When the pledge dropped, or ``None`` if it is not dropped. Nothing changes a dropped
        pledge but its money arriving late (which collects it), so its last change is its drop."""
        return self.updated_at if self.status is PledgeStatus.DROPPED else None

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

    def request_collection(self, payment_reference: str, attempt: int, now: datetime) -> None:
        """``pledged → collecting`` (the campaign succeeded; attempt 1), or ``payment_failed →
        collecting`` (the backer fixed the payment; the next attempt, within the grace period)."""
        if self.status is PledgeStatus.PAYMENT_FAILED:
            self.check_retry(now)
        else:
            self._require_active()
        if attempt != self.collection_attempt + 1:
            raise ValueError(f"attempt {attempt} does not follow {self.collection_attempt}")
        self.status = PledgeStatus.COLLECTING
        self.collection_attempt = attempt
        self.payment_reference = payment_reference
        self.updated_at = now

    def check_retry(self, now: datetime) -> None:
        """Why the payment cannot be asked for again now, if it cannot."""
        if self.status is not PledgeStatus.PAYMENT_FAILED:
            raise PaymentNotFailed(
                f"the pledge's payment has not failed (the pledge is {self.status.value}): "
                "there is nothing to pay again"
            )
        assert self.grace_ends_at is not None
        if now >= self.grace_ends_at:
            raise PaymentGraceOver("the time to fix this payment has run out")

    def collect(self, payment_reference: str, now: datetime) -> bool:
        """``collecting | payment_failed | dropped → collected``: the provider says the money
        arrived. Money that arrived is a fact whatever we thought of the pledge, so even a
        dropped pledge is collected. False (nothing changes) if it was collected already."""
        if self.status in (PledgeStatus.COLLECTED, PledgeStatus.REFUNDED):
            return False
        self._require_asked()
        self.status = PledgeStatus.COLLECTED
        self.payment_reference = payment_reference
        self.payment_failure_code = None
        self.updated_at = now
        return True

    def fail_collection(
        self, payment_reference: str, reason_code: str, grace_ends_at: datetime, now: datetime
    ) -> bool:
        """``collecting → payment_failed``: the provider could not take the money for the
        attempt ``payment_reference`` names. The first failure starts the grace period; a later
        one keeps it. False (nothing changes) for a repeated or stale report: the pledge has
        failed, been paid or dropped already, or the report is about an earlier attempt."""
        self._require_asked(also=(PledgeStatus.COLLECTED, PledgeStatus.REFUNDED))
        if self.status is not PledgeStatus.COLLECTING or payment_reference != (
            self.payment_reference
        ):
            return False
        self.status = PledgeStatus.PAYMENT_FAILED
        self.payment_failure_code = reason_code
        self.grace_ends_at = self.grace_ends_at or grace_ends_at
        self.updated_at = now
        return True

    def is_due_to_drop(self, now: datetime) -> bool:
        """Whether the payment failed and its grace period is over."""
        return (
            self.status is PledgeStatus.PAYMENT_FAILED
            and self.grace_ends_at is not None
            and now >= self.grace_ends_at
        )

    def drop(self, now: datetime) -> bool:
        """``payment_failed → dropped`` once the grace period is over; False (nothing changes)
        otherwise: the backer fixed the payment in time, or it was dropped already."""
        if not self.is_due_to_drop(now):
            return False
        self.status = PledgeStatus.DROPPED
        self.updated_at = now
        return True

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
                f"only {format_amount(left, self.currency)} of the "
                f"{format_amount(self.amount, self.currency)} collected is left to refund",
                "amount",
                facts={"left": left, "collected": self.amount, "currency": self.currency},
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

    def _require_asked(self, also: tuple[PledgeStatus, ...] = ()) -> None:
        if self.status not in _ASKED + also:
            raise PledgeNotCollecting(
                f"no payment was asked for this pledge: it is {self.status.value}"
            )

    def _require_active(self) -> None:
        if not self.is_active:
            raise PledgeNotActive(f"the pledge is already {self.status.value}")
