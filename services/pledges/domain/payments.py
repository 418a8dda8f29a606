"""The payment port settlement and refunds go through, and the record-only adapter.

Collection is asynchronous: settlement *requests* each pledge's money and the provider reports
later whether it arrived (see the collection handlers). A gateway that knows the answer at once
(paid already, or impossible: no card, declined on the spot) says so in its request's
``outcome``, and the answer is applied in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

from .pledges import Pledge

PaymentKind = Literal["collection", "release", "refund"]


class CollectionOutcome(StrEnum):
    """What a gateway knows about a collection the moment it is requested."""

    #: The provider will report later (a webhook): the pledge stays collecting until then.
    PENDING = "pending"
    #: The money is taken already (the record-only gateway): the pledge is collected at once.
    SUCCEEDED = "succeeded"
    #: The money cannot be taken and the gateway knows it at once (no saved card, a card
    #: declined on the spot): the payment fails at once and the backer's grace period starts,
    #: exactly as if the provider had reported the failure.
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PaymentReceipt:
    """A gateway's acknowledgement of one collection, release or refund."""

    #: The gateway's own reference, stored on the pledge and carried by the pledge event.
    reference: str
    kind: PaymentKind
    pledge_id: uuid.UUID
    #: Minor units of ``currency``; 0 for a release.
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class CollectionRequest:
    """A gateway's answer to "take this pledge's money", attempt ``attempt``."""

    #: The attempt's own reference: each attempt gets a new one, and the provider's report
    #: names it, so a report about an earlier attempt is told apart from one about this one.
    reference: str
    pledge_id: uuid.UUID
    attempt: int
    #: Minor units of ``currency`` asked for.
    amount: int
    currency: str
    outcome: CollectionOutcome = CollectionOutcome.PENDING
    #: What the provider kept, in minor units, when the outcome is known and so is the fee.
    fee_amount: int | None = None
    #: Why, when the outcome is FAILED: a short code (`no_card`, `card_declined` …).
    reason_code: str | None = None


class PaymentGateway(Protocol):
    """What the domain asks of a payment processor.

    The campaign calls the gateway *before* it changes the pledge, so a call that raises leaves
    the pledge as it was; the unit of work then rolls back anything already done in the same
    settlement. Implementations must not change the pledge themselves, and must make each call
    idempotent on the provider's side (key a collection on the pledge id and ``attempt``): if
    the transaction rolls back after the provider said yes, the retry must not charge twice.
    """

    #: Who takes the money (`stripe`, `record-only`): what `GET /payments` tells everyone.
    provider: str
    #: Whether a collection takes real money; False means every page says it is a test.
    moves_money: bool

    def request_collection(self, pledge: Pledge, attempt: int) -> CollectionRequest:
        """Ask for ``pledge.amount`` from the backer; the result usually comes later."""
        ...

    def release(self, pledge: Pledge) -> PaymentReceipt:
        """Let the backer off the pledge (a failed or cancelled campaign): charge nothing and
        forget any saved card."""
        ...

    def refund(self, pledge: Pledge, amount: int, reason: str) -> PaymentReceipt:
        """Give ``amount`` of a collected pledge back to the backer."""
        ...


class RecordOnlyGateway:
    """A gateway that moves no money: it acknowledges each request and remembers it.

    A collection "succeeds" at once, so settlement leaves pledges collected exactly as if the
    provider had answered immediately. ``receipts`` lists every receipt handed out, oldest
    first, for inspection.
    """

    provider = "record-only"
    moves_money = False

    def __init__(self) -> None:
        self.receipts: list[PaymentReceipt] = []

    def request_collection(self, pledge: Pledge, attempt: int) -> CollectionRequest:
        receipt = self._record("collection", pledge, pledge.amount)
        return CollectionRequest(
            reference=receipt.reference,
            pledge_id=pledge.id,
            attempt=attempt,
            amount=pledge.amount,
            currency=pledge.currency,
            outcome=CollectionOutcome.SUCCEEDED,
        )

    def release(self, pledge: Pledge) -> PaymentReceipt:
        return self._record("release", pledge, 0)

    def refund(self, pledge: Pledge, amount: int, reason: str) -> PaymentReceipt:
        return self._record("refund", pledge, amount)

    def _record(self, kind: PaymentKind, pledge: Pledge, amount: int) -> PaymentReceipt:
        receipt = PaymentReceipt(
            reference=f"record-only:{kind}:{uuid.uuid4()}",
            kind=kind,
            pledge_id=pledge.id,
            amount=amount,
            currency=pledge.currency,
        )
        self.receipts.append(receipt)
        return receipt
