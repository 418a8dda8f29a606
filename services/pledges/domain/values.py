"""Statuses, funding models and the small value objects campaigns are made of."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FundingModel(StrEnum):
    """How settlement treats pledges once the deadline has come."""

    #: Pledges are collected only if their total reached the goal; otherwise all are released.
    ALL_OR_NOTHING = "all_or_nothing"
    #: Pledges are always collected, whatever the total.
    FLEXIBLE = "flexible"


class CampaignStatus(StrEnum):
    """``draft → live → succeeded | failed``, and ``draft | live → cancelled``."""

    DRAFT = "draft"
    LIVE = "live"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PledgeStatus(StrEnum):
    """``pledged → collecting → collected → refunded``; ``pledged → released | cancelled``;
    ``collecting → payment_failed → collecting (tried again) | dropped (grace period over)``.

    A gateway that answers at once (the record-only one) takes a pledge through ``collecting``
    to ``collected`` within one transaction, so nobody sees it collecting.
    """

    PLEDGED = "pledged"
    #: Settlement asked the payment provider for the money; its answer is awaited.
    COLLECTING = "collecting"
    COLLECTED = "collected"
    #: The provider could not take the money; the backer may fix it until the grace period ends.
    PAYMENT_FAILED = "payment_failed"
    #: The grace period ended without a payment: the pledge no longer counts.
    DROPPED = "dropped"
    RELEASED = "released"
    CANCELLED = "cancelled"
    #: Some or all of the collected amount went back; ``Pledge.refunded_amount`` says how much.
    REFUNDED = "refunded"


#: Pledges that still stand, for counting what each share brought: promised, being paid, paid
#: (refunded ones net of their refunds), or failed but still fixable. Cancelled, released and
#: dropped pledges brought nothing.
STANDING_STATUSES = frozenset(
    {
        PledgeStatus.PLEDGED,
        PledgeStatus.COLLECTING,
        PledgeStatus.COLLECTED,
        PledgeStatus.PAYMENT_FAILED,
        PledgeStatus.REFUNDED,
    }
)


class PaymentStatus(StrEnum):
    """Where the backer's money stands, as backers and creators are shown it."""

    #: Nothing asked of the backer's card yet (or ever: released and cancelled pledges).
    NONE = "none"
    #: A card is saved for the pledge (through the payment provider's hosted checkout).
    CARD_SAVED = "card_saved"
    COLLECTING = "collecting"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    DROPPED = "dropped"
    REFUNDED = "refunded"


#: A pledge's payment status follows from its state.
PAYMENT_STATUS_OF = {
    PledgeStatus.PLEDGED: PaymentStatus.NONE,
    PledgeStatus.COLLECTING: PaymentStatus.COLLECTING,
    PledgeStatus.COLLECTED: PaymentStatus.PAID,
    PledgeStatus.PAYMENT_FAILED: PaymentStatus.PAYMENT_FAILED,
    PledgeStatus.DROPPED: PaymentStatus.DROPPED,
    PledgeStatus.RELEASED: PaymentStatus.NONE,
    PledgeStatus.CANCELLED: PaymentStatus.NONE,
    PledgeStatus.REFUNDED: PaymentStatus.REFUNDED,
}


@dataclass(frozen=True, slots=True)
class TierSpec:
    """A reward tier as a creator asks for it; the campaign validates it and gives it an id."""

    #: What backers see, at most TIER_NAME_MAX characters.
    name: str
    #: The smallest pledge, in the campaign's minor units, that earns this tier.
    min_amount: int
    #: How many backers may choose the tier; ``None`` for no limit.
    limit: int | None = None
    #: Keeps an existing tier's id when a draft is edited; ``None`` makes a new one.
    id: uuid.UUID | None = None
    #: What the backer gets, at most TIER_DESCRIPTION_MAX characters; may be empty.
    description: str = ""
    #: The estimated delivery month, ``"YYYY-MM"``; ``None`` when the creator gives none.
    delivery_month: str | None = None


@dataclass(frozen=True, slots=True)
class TierTerms:
    """A tier's terms as events carry them: everything but the changing ``taken`` count."""

    id: uuid.UUID
    name: str
    min_amount: int
    limit: int | None
    description: str = ""
    delivery_month: str | None = None


@dataclass(slots=True, eq=False)
class Tier:
    """A campaign's reward tier, with the count of active pledges that chose it.

    ``taken`` lives on the tier (one row, locked with the campaign) so that a limited tier can
    never be oversold, however many backers pledge at once.
    """

    id: uuid.UUID
    name: str
    min_amount: int
    limit: int | None = None
    #: Active (``pledged``) pledges holding a slot of this tier.
    taken: int = 0
    #: What the backer gets (may be empty), and when it should arrive (``"YYYY-MM"``): the
    #: only terms of a tier its creator may still change once the campaign is live.
    description: str = ""
    delivery_month: str | None = None

    @property
    def remaining(self) -> int | None:
        """Slots still free, or ``None`` for an unlimited tier."""
        return None if self.limit is None else self.limit - self.taken

    @property
    def sold_out(self) -> bool:
        """Whether a limited tier has no free slot left."""
        return self.limit is not None and self.taken >= self.limit

    @property
    def terms(self) -> TierTerms:
        """The tier's terms, frozen, for an event."""
        return TierTerms(
            id=self.id,
            name=self.name,
            min_amount=self.min_amount,
            limit=self.limit,
            description=self.description,
            delivery_month=self.delivery_month,
        )


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One category of a campaign's planned budget."""

    #: A category the creator names (``"printing"``), at most CATEGORY_MAX characters.
    category: str
    #: Planned spending in the campaign's minor units.
    amount: int


@dataclass(frozen=True, slots=True)
class CampaignRevision:
    """One version of a launched campaign's words, as its public history shows it."""

    #: When this version began to be shown: the launch for the first, then each revision.
    revised_at: datetime
    title: str
    #: The story, in Markdown.
    description: str
    #: Every tier's terms as they read in this version.
    tiers: tuple[TierTerms, ...]
