"""The payment port settlement and refunds go through, and the record-only adapter.

Fundtrail processes no cards: a pledge is a recorded commitment, and "collecting" it records
that the backer now owes it. The port exists so that a real processor could be plugged in
without touching the rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

from .pledges import Pledge

PaymentKind = Literal["collection", "release", "refund"]


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


class PaymentGateway(Protocol):
    """What the domain asks of a payment processor.

    The campaign calls the gateway *before* it changes the pledge, so a call that raises leaves
    the pledge as it was; the unit of work then rolls back anything already done in the same
    settlement. Implementations must not change the pledge themselves.
    """

    def collect(self, pledge: Pledge) -> PaymentReceipt:
        """Take ``pledge.amount`` from the backer."""
        ...

    def release(self, pledge: Pledge) -> PaymentReceipt:
        """Let the backer off the pledge (a failed or cancelled campaign)."""
        ...

    def refund(self, pledge: Pledge, amount: int, reason: str) -> PaymentReceipt:
        """Give ``amount`` of a collected pledge back to the backer."""
        ...


class RecordOnlyGateway:
    """A gateway that moves no money: it acknowledges each request and remembers it.

    ``receipts`` lists every receipt handed out, oldest first, for inspection.
    """

    def __init__(self) -> None:
        self.receipts: list[PaymentReceipt] = []

    def collect(self, pledge: Pledge) -> PaymentReceipt:
        return self._record("collection", pledge, pledge.amount)

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
