"""Orders the pledges service carries out, whichever entrypoint (HTTP, CLI) they came from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.pledges.domain.values import BudgetLine, TierSpec
from shared.languages import DEFAULT_LANGUAGE


@dataclass(frozen=True)
class CreateAccount:
    role: str
    name: str
    email: str | None = None
    #: How long its first token lives; None for the configured default.
    token_lifetime: timedelta | None = None
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class RevokeAccount:
    account_id: uuid.UUID
    reason: str = ""


@dataclass(frozen=True)
class IssueToken:
    """A fresh token for an existing account (its other tokens stay valid)."""

    account_id: uuid.UUID
    lifetime: timedelta | None = None


@dataclass(frozen=True)
class RevokeToken:
    """Refuse one token from now on. No actor: the operator at the command line."""

    token_id: uuid.UUID
    reason: str = ""
    actor_id: uuid.UUID | None = None
    actor_is_admin: bool = False


@dataclass(frozen=True)
class CreateCampaign:
    creator_id: uuid.UUID
    title: str
    description: str
    goal_amount: int
    currency: str
    deadline: datetime
    funding_model: str
    tiers: tuple[TierSpec, ...] = field(default_factory=tuple)
    budget: tuple[BudgetLine, ...] = field(default_factory=tuple)
    #: What its automatic updates are written in.
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class UpdateCampaign:
    """Edit a draft; `None` leaves a term as it is, tiers and budget are replaced whole."""

    campaign_id: uuid.UUID
    actor_id: uuid.UUID
    title: str | None = None
    description: str | None = None
    goal_amount: int | None = None
    currency: str | None = None
    deadline: datetime | None = None
    funding_model: str | None = None
    tiers: tuple[TierSpec, ...] | None = None
    budget: tuple[BudgetLine, ...] | None = None
    language: str | None = None


@dataclass(frozen=True)
class LaunchCampaign:
    campaign_id: uuid.UUID
    actor_id: uuid.UUID


@dataclass(frozen=True)
class CancelCampaign:
    campaign_id: uuid.UUID
    actor_id: uuid.UUID


@dataclass(frozen=True)
class SettleCampaign:
    campaign_id: uuid.UUID
    #: The creator or an admin; `None` for the platform's scheduled settlement.
    actor_id: uuid.UUID | None
    is_admin: bool = False


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's `Idempotency-Key` and a fingerprint of the request that carried it."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class MakePledge:
    """Pledge to a campaign, or change the backer's active pledge to it (pledging again)."""

    campaign_id: uuid.UUID
    backer_id: uuid.UUID
    amount: int
    tier_id: uuid.UUID | None = None
    #: If given, must be the campaign's.
    currency: str | None = None
    idempotency: IdempotencyKey | None = None
    #: The share tag or referring host the backer came with; kept only by a new pledge.
    source: str | None = None


@dataclass(frozen=True)
class ChangePledge:
    """New amount and/or tier; `tier_id=None` with `change_tier=True` drops the tier."""

    pledge_id: uuid.UUID
    actor_id: uuid.UUID
    amount: int | None = None
    tier_id: uuid.UUID | None = None
    change_tier: bool = False


@dataclass(frozen=True)
class CancelPledge:
    pledge_id: uuid.UUID
    actor_id: uuid.UUID


@dataclass(frozen=True)
class RefundPledge:
    pledge_id: uuid.UUID
    actor_id: uuid.UUID
    reason: str
    #: Minor units; `None` refunds all that is left.
    amount: int | None = None


@dataclass(frozen=True)
class SignUp:
    """Someone makes their own account, as a backer or a creator, with a password."""

    name: str
    email: str
    password: str = field(repr=False)
    role: str = "backer"
    #: Where the request came from: sign-ups are limited per client.
    client_address: str = ""
    #: What its mails are written in, from the first one on.
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class ChooseLanguage:
    """The account speaks another language from now on (mails, pages)."""

    account_id: uuid.UUID
    language: str


@dataclass(frozen=True)
class SignIn:
    """Exchange an address and a password for a session token."""

    email: str
    password: str = field(repr=False)
    #: Where the request came from: failures are counted per client too.
    client_address: str = ""


@dataclass(frozen=True)
class VerifyEmail:
    link_token: str = field(repr=False)


@dataclass(frozen=True)
class RequestEmailVerification:
    """Mail the account a new link to confirm its address: the first was lost or expired."""

    account_id: uuid.UUID


@dataclass(frozen=True)
class RequestPasswordReset:
    email: str


@dataclass(frozen=True)
class ResetPassword:
    link_token: str = field(repr=False)
    password: str = field(repr=False)


@dataclass(frozen=True)
class CollectionSucceeded:
    """The payment provider says a pledge's money arrived."""

    pledge_id: uuid.UUID
    #: The attempt's reference, as the gateway gave it when the money was asked for.
    reference: str
    #: What the provider kept, in minor units, where known.
    fee_amount: int | None = None


@dataclass(frozen=True)
class CollectionFailed:
    """The payment provider could not take a pledge's money."""

    pledge_id: uuid.UUID
    reference: str
    #: The provider's short code (`card_declined`, `authentication_required`).
    reason_code: str
    #: Until when the backer may fix it; `None` for now plus the configured grace period.
    retry_until: datetime | None = None


@dataclass(frozen=True)
class RetryCollection:
    """Ask for a failed pledge's money again: the backer changed the card."""

    pledge_id: uuid.UUID
    #: The pledge's backer; `None` for the platform itself (a provider's notice).
    actor_id: uuid.UUID | None = None


@dataclass(frozen=True)
class StartCardSetup:
    """A backer asks for the provider's hosted page to save a card for their pledge."""

    pledge_id: uuid.UUID
    actor_id: uuid.UUID


@dataclass(frozen=True)
class SaveCard:
    """The provider says a hosted checkout page saved a card (`checkout.session.completed`)."""

    pledge_id: uuid.UUID
    #: The hosted page's id (`cs_…`); only the pledge's latest page counts.
    checkout_session_id: str
    #: The saved card's id at the provider (`pm_…`), never its details.
    payment_method_id: str
    #: When the provider made the event.
    occurred_at: datetime


@dataclass(frozen=True)
class StartPayoutOnboarding:
    """A creator asks to set up (or finish setting up) the account their campaigns are paid to."""

    creator_id: uuid.UUID
    #: Names this request to the provider, so a retried request makes one link, not two.
    request_id: uuid.UUID


@dataclass(frozen=True)
class PayoutAccountUpdated:
    """The payment provider says a connected account's state changed (`account.updated`)."""

    #: The provider's account id (`acct_…`).
    account_id: str
    details_submitted: bool
    charges_enabled: bool
    payouts_enabled: bool
    #: When the provider said so (its event's `created`), so an older word loses to a newer.
    occurred_at: datetime


@dataclass(frozen=True)
class ChangeCover:
    """Make the uploaded picture the campaign's cover."""

    campaign_id: uuid.UUID
    actor_id: uuid.UUID
    #: The upload's bytes, as sent: `shared/images.py` decides whether it is a picture.
    image: bytes
