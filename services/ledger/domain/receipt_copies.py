"""Public copies of receipts: what a campaign's creator may show of a receipt, and to whom.

The original receipt may hold personal data (a name, an address, a card's last digits), so it
stays with the campaign's creator and auditors. The creator may publish a *copy* of an
expense's receipt: either the original itself, once they confirm it holds no personal data, or
a copy they redacted. The copy never replaces the original: the expense's entry keeps the
original's SHA-256 (the books never change) and the copy only names which receipt it stands for.

Who sees a copy: the campaign's backers (the people whose money the expense spent), its
creator and auditors; not the whole internet. Even a redacted receipt names third parties (a
supplier, a freelancer) who never agreed to be published for search engines to keep, and
redactions fail; the public still sees every amount, vendor and the receipt's SHA-256.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from services.ledger.domain.entries import Entry, EntryKind
from services.ledger.domain.errors import NotAllowed, NotCampaignCreator, NotFound, StateConflict

#: The most pages a public copy may have: each is rendered to pixels, and a receipt is a page
#: or two (a long contract is no receipt to show backers).
MAX_COPY_PAGES = 20


class CopyKind(enum.StrEnum):
    """What the creator published."""

    #: The original receipt, which the creator confirmed holds no personal data.
    ORIGINAL = "original"
    #: A copy the creator redacted (blacked out) before uploading it.
    REDACTED = "redacted"


class NotAnExpenseWithReceipt(StateConflict):
    """Only an expense (which always has a receipt) gets a public copy of its receipt."""


class CopyNotYours(NotAllowed):
    """A receipt's public copy is shown to the campaign's backers, its creator and auditors."""


class UnknownCopy(NotFound):
    """No public copy of that receipt was published for this campaign."""


@dataclass(frozen=True)
class CopyFile:
    """A public copy as made from the creator's upload: pixels only, no metadata."""

    #: The copy's bytes: a PDF of page images, or a PNG.
    content: bytes
    #: `application/pdf` or `image/png`.
    media_type: str
    #: A PNG of the first page (or the picture), at most THUMBNAIL_WIDTH wide.
    thumbnail: bytes
    pages: int


@dataclass(frozen=True)
class ReceiptCopy:
    """A publication of a receipt's public copy, as recorded (never changed afterwards)."""

    id: uuid.UUID
    campaign_id: uuid.UUID
    #: The expense it was published from, and the SHA-256 of the original it stands for.
    seq: int
    receipt_sha256: str
    kind: CopyKind
    #: SHA-256 of the copy's bytes (not the original's: the copy is made from pixels).
    sha256: str
    media_type: str
    pages: int
    published_by: uuid.UUID
    published_at: datetime


def check_may_publish(
    publisher: uuid.UUID, creator_id: uuid.UUID, entry: Entry | None, seq: int
) -> Entry:
    """The expense whose receipt `publisher` may publish a copy of; refused for anyone but the
    campaign's creator (asked first, so a stranger learns nothing of the entries) and for an
    entry that is not an expense."""
    if publisher != creator_id:
        raise NotCampaignCreator(
            "only the campaign's creator may publish a copy of its receipts", "published_by"
        )
    if entry is None:
        raise NotFound(f"campaign has no entry {seq}", "seq")
    if entry.kind is not EntryKind.EXPENSE or not entry.receipt_sha256:
        raise NotAnExpenseWithReceipt(
            f"entry {seq} is not an expense: only an expense's receipt has a copy to publish",
            "seq",
        )
    return entry


def may_see_copy(*, role: str | None, is_creator: bool, is_backer: bool) -> bool:
    """Whether a reader may open a receipt's public copy: backers of this campaign (whose money
    was spent), its creator and auditors."""
    return is_creator or is_backer or role == "auditor"
