"""The typed events of every topic, mirroring the payload schemas beside them.

Each class reads the current version of its type; see `typed.py` for decoding and upcasting.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from shared.events.typed import Event, event_type, upcaster
from shared.languages import DEFAULT_LANGUAGE

# --- accounts.events -----------------------------------------------------------------------


@event_type("account.created")
@dataclass(frozen=True, kw_only=True)
class AccountCreated(Event):
    account_id: uuid.UUID
    role: str
    name: str
    #: For notifications; None when the account gave no address.
    email: str | None
    #: What its mails are written in; older events read as English.
    language: str = DEFAULT_LANGUAGE


@event_type("account.language_changed")
@dataclass(frozen=True, kw_only=True)
class AccountLanguageChanged(Event):
    account_id: uuid.UUID
    language: str


@event_type("account.revoked")
@dataclass(frozen=True, kw_only=True)
class AccountRevoked(Event):
    account_id: uuid.UUID
    reason: str


@event_type("token.revoked")
@dataclass(frozen=True, kw_only=True)
class TokenRevoked(Event):
    #: The token's `jti`; the account's other tokens still work.
    token_id: uuid.UUID
    account_id: uuid.UUID
    expires_at: datetime
    reason: str


@event_type("account.verification_requested", version=2)
@dataclass(frozen=True, kw_only=True)
class AccountVerificationRequested(Event):
    """Mail the account a one-time link (`purpose`: verify_email or reset_password)."""

    account_id: uuid.UUID
    purpose: str
    token_id: uuid.UUID
    expires_at: datetime
    #: The link's bearer secret, sealed for the updates service (shared/sealing.py).
    sealed_link_token: str
    #: Only from a version 1 event, published before links were sealed: the secret in
    #: clear, which the updates service seals before it stores anything. Never logged.
    clear_link_token: str = ""


@upcaster("account.verification_requested", 1)
def _clear_link_token_kept_apart(payload: dict[str, Any]) -> dict[str, Any]:
    """v1 → v2: the clear token moves where nothing takes it for a sealed one."""
    v2 = {name: value for name, value in payload.items() if name != "link_token"}
    return {**v2, "sealed_link_token": "", "clear_link_token": payload["link_token"]}


@event_type("account.notice_requested")
@dataclass(frozen=True, kw_only=True)
class AccountNoticeRequested(Event):
    """Mail the owner a notice (`kind`: sign_up_attempted or sign_in_failures); no link."""

    account_id: uuid.UUID
    kind: str


@event_type("account.email_verified")
@dataclass(frozen=True, kw_only=True)
class AccountEmailVerified(Event):
    """The account's address is proven (a followed link, or an operator vouched for it)."""

    account_id: uuid.UUID


# --- campaigns, on pledges.events ------------------------------------------------------------


@dataclass(frozen=True)
class TierTerms:
    tier_id: uuid.UUID
    name: str
    min_amount: int
    #: How many pledges the tier takes; None for no limit.
    limit: int | None
    #: What the backer gets; older events read as "" and None.
    description: str = ""
    #: The estimated delivery month, "YYYY-MM".
    delivery_month: str | None = None


@dataclass(frozen=True)
class BudgetLine:
    category: str
    amount: int


@dataclass(frozen=True, kw_only=True)
class CampaignEvent(Event):
    """Every campaign event carries the campaign's terms as they stand after it."""

    campaign_id: uuid.UUID
    creator_id: uuid.UUID
    title: str
    goal_amount: int
    currency: str
    deadline: datetime
    funding_model: str
    #: The campaign's status after the event.
    status: str
    tiers: tuple[TierTerms, ...]
    budget: tuple[BudgetLine, ...]
    #: No money moves for the campaign; older events (before payments) read as True.
    test_mode: bool = True
    #: What its automatic updates are written in; older events read as English.
    language: str = DEFAULT_LANGUAGE

    @classmethod
    def from_payload(
        cls, payload: Mapping[str, Any], *, event_id: uuid.UUID, occurred_at: datetime
    ) -> Self:
        typed = {
            **payload,
            "tiers": tuple(TierTerms(**tier) for tier in payload["tiers"]),
            "budget": tuple(BudgetLine(**line) for line in payload["budget"]),
        }
        return super().from_payload(typed, event_id=event_id, occurred_at=occurred_at)


@event_type("campaign.created")
@dataclass(frozen=True, kw_only=True)
class CampaignCreated(CampaignEvent):
    description: str


@event_type("campaign.updated")
@dataclass(frozen=True, kw_only=True)
class CampaignUpdated(CampaignEvent):
    description: str


@event_type("campaign.launched")
@dataclass(frozen=True, kw_only=True)
class CampaignLaunched(CampaignEvent):
    pass


@event_type("campaign.cancelled")
@dataclass(frozen=True, kw_only=True)
class CampaignCancelled(CampaignEvent):
    released_count: int


@dataclass(frozen=True, kw_only=True)
class CampaignSettled(CampaignEvent):
    pledged_amount: int
    backers_count: int


@event_type("campaign.succeeded")
@dataclass(frozen=True, kw_only=True)
class CampaignSucceeded(CampaignSettled):
    pass


@event_type("campaign.failed")
@dataclass(frozen=True, kw_only=True)
class CampaignFailed(CampaignSettled):
    pass


# --- pledges, on pledges.events --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PledgeEvent(Event):
    campaign_id: uuid.UUID
    pledge_id: uuid.UUID
    backer_id: uuid.UUID
    #: The pledge's amount after the event; on `pledge.refunded`, the sum this refund returns.
    amount: int
    currency: str
    tier_id: uuid.UUID | None


@event_type("pledge.created")
@dataclass(frozen=True, kw_only=True)
class PledgeCreated(PledgeEvent):
    #: The tier's name when the pledge has one (None in events from before it was sent).
    tier_name: str | None = None


@event_type("pledge.changed")
@dataclass(frozen=True, kw_only=True)
class PledgeChanged(PledgeEvent):
    previous_amount: int
    previous_tier_id: uuid.UUID | None
    tier_name: str | None = None
    previous_tier_name: str | None = None


@event_type("pledge.cancelled")
@dataclass(frozen=True, kw_only=True)
class PledgeCancelled(PledgeEvent):
    pass


@event_type("pledge.collected")
@dataclass(frozen=True, kw_only=True)
class PledgeCollected(PledgeEvent):
    payment_reference: str
    #: What the payment provider kept, in minor units; None where not known.
    fee_amount: int | None = None


@event_type("pledge.payment_failed")
@dataclass(frozen=True, kw_only=True)
class PledgePaymentFailed(PledgeEvent):
    payment_reference: str
    #: The provider's short code (`card_declined`); never card details.
    reason_code: str
    #: Until when the backer may fix the payment; then the pledge drops.
    retry_until: datetime


@event_type("pledge.dropped")
@dataclass(frozen=True, kw_only=True)
class PledgeDropped(PledgeEvent):
    pass


@event_type("pledge.released")
@dataclass(frozen=True, kw_only=True)
class PledgeReleased(PledgeEvent):
    payment_reference: str


@event_type("pledge.refunded")
@dataclass(frozen=True, kw_only=True)
class PledgeRefunded(PledgeEvent):
    collected_amount: int
    refunded_total: int
    reason: str
    payment_reference: str


# --- ledger.events ---------------------------------------------------------------------------


@event_type("ledger.entry_appended")
@dataclass(frozen=True, kw_only=True)
class EntryAppended(Event):
    campaign_id: uuid.UUID
    seq: int
    kind: str
    amount: int
    currency: str
    category: str | None
    reverses_seq: int | None
    #: When the entry says it happened (the event's own `occurred_at` is when it was appended).
    entry_occurred_at: datetime
    recorded_at: datetime
    leaf_hash: str
    leaf_data: str

    @classmethod
    def from_payload(
        cls, payload: Mapping[str, Any], *, event_id: uuid.UUID, occurred_at: datetime
    ) -> Self:
        # The payload's `occurred_at` is the entry's; the envelope's is the event's.
        typed = {**payload, "entry_occurred_at": payload["occurred_at"]}
        typed.pop("occurred_at")
        return super().from_payload(typed, event_id=event_id, occurred_at=occurred_at)


@event_type("ledger.checkpoint_published")
@dataclass(frozen=True, kw_only=True)
class CheckpointPublished(Event):
    campaign_id: uuid.UUID
    origin: str
    tree_size: int
    root_hash: str
    note: str


@event_type("report.published")
@dataclass(frozen=True, kw_only=True)
class ReportPublished(Event):
    campaign_id: uuid.UUID
    report_id: uuid.UUID
    tree_size: int
    root_hash: str
    sha256: str
    url: str
    published_at: datetime
    currency: str
    raised: int
    refunded: int
    spent: int
    available: int
    shortfall: int
    backers_count: int
    #: Payment fees and money held by disputes; 0 in reports made before they were recorded.
    fees: int = 0
    disputed: int = 0


# --- updates.events --------------------------------------------------------------------------


@event_type("update.published")
@dataclass(frozen=True, kw_only=True)
class UpdatePublished(Event):
    campaign_id: uuid.UUID
    update_id: uuid.UUID
    url: str
    #: `manual` (a creator wrote it) or `automatic` (a milestone the service announced).
    kind: str
    #: `public`, or `backers`: only the campaign's backers and creator may read it.
    visibility: str
    title: str
    #: Rendered from Markdown and sanitised: safe to show as it is.
    body_html: str
    published_at: datetime


@event_type("update.revised")
@dataclass(frozen=True, kw_only=True)
class UpdateRevised(Event):
    campaign_id: uuid.UUID
    update_id: uuid.UUID
    url: str
    revision: int
    visibility: str
    title: str
    body_html: str
    revised_at: datetime


@event_type("update.retracted")
@dataclass(frozen=True, kw_only=True)
class UpdateRetracted(Event):
    campaign_id: uuid.UUID
    update_id: uuid.UUID
    url: str
    reason: str
    retracted_at: datetime


@event_type("comment.posted")
@dataclass(frozen=True, kw_only=True)
class CommentPosted(Event):
    campaign_id: uuid.UUID
    update_id: uuid.UUID
    comment_id: uuid.UUID
    author_id: uuid.UUID
    author_is_creator: bool
    in_reply_to: uuid.UUID | None
    body: str
    posted_at: datetime


@event_type("comment.hidden")
@dataclass(frozen=True, kw_only=True)
class CommentHidden(Event):
    campaign_id: uuid.UUID
    update_id: uuid.UUID
    comment_id: uuid.UUID
    #: Why it was hidden; the comment's text is not repeated.
    reason: str
    hidden_at: datetime


@event_type("campaign.cover_changed")
@dataclass(frozen=True, kw_only=True)
class CampaignCoverChanged(Event):
    """The creator chose a new cover; `report_jpeg` is the rendition reports show."""

    campaign_id: uuid.UUID
    sha256: str
    widths: list[int]
    report_jpeg: bytes
    report_width: int
    report_height: int


#: Every campaign event type: each carries the whole campaign, so a read model follows any.
CAMPAIGN_EVENT_TYPES = tuple(
    cls.TYPE
    for cls in (
        CampaignCreated,
        CampaignUpdated,
        CampaignLaunched,
        CampaignCancelled,
        CampaignSucceeded,
        CampaignFailed,
    )
)

#: Every pledge event type: the backer roster follows a pledge through all of them.
PLEDGE_EVENT_TYPES = tuple(
    cls.TYPE
    for cls in (
        PledgeCreated,
        PledgeChanged,
        PledgeCancelled,
        PledgeCollected,
        PledgeReleased,
        PledgeRefunded,
    )
)


# --- payments, on pledges.events (see shared/events/payments.py) ------------------------------


@dataclass(frozen=True, kw_only=True)
class PaymentEvent(Event):
    campaign_id: uuid.UUID
    pledge_id: uuid.UUID
    #: Minor units of `currency`: the fee, or the money the dispute holds back or returns.
    amount: int
    currency: str
    #: The payment provider's event that reported it.
    provider_event_id: str


@event_type("payment.fee_charged")
@dataclass(frozen=True, kw_only=True)
class FeeCharged(PaymentEvent):
    #: `processing` (the provider's) or `platform` (Fundtrail's).
    fee_kind: str
    #: The provider's charge or balance-transaction id.
    payment_reference: str


@event_type("payment.dispute_opened")
@dataclass(frozen=True, kw_only=True)
class DisputeOpened(PaymentEvent):
    dispute_reference: str
    #: The provider's reason code, e.g. `fraudulent`.
    reason: str


@event_type("payment.dispute_closed")
@dataclass(frozen=True, kw_only=True)
class DisputeClosed(PaymentEvent):
    dispute_reference: str
    #: `won` (the money comes back) or `lost` (it stays gone).
    outcome: str
