"""What creators ask of the ledger: orders the API turns into handler calls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RecordExpense:
    """Spend `amount` of the campaign's money on `category`, with the receipt file."""

    campaign_id: uuid.UUID
    recorded_by: uuid.UUID
    amount: int
    currency: str
    category: str
    description: str
    vendor: str
    incurred_on: date
    #: The receipt file's bytes, as uploaded.
    receipt: bytes
    #: Why this receipt may back this expense although it backs another still in force.
    receipt_reuse_reason: str | None = None


@dataclass(frozen=True)
class ReverseEntry:
    """Undo entry `seq` with a reversal entry; the original stays in the log."""

    campaign_id: uuid.UUID
    seq: int
    reason: str
    recorded_by: uuid.UUID


@dataclass(frozen=True)
class PublishReceiptCopy:
    """Show backers a copy of expense `seq`'s receipt: the original itself (`kind` "original",
    its creator confirming it holds no personal data) or the redacted `upload` ("redacted")."""

    campaign_id: uuid.UUID
    seq: int
    published_by: uuid.UUID
    kind: str
    #: The redacted copy's bytes, as uploaded; None to publish the original.
    upload: bytes | None = None
