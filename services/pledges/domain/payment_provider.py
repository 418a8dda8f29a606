"""The port to a payment provider that moves real money (Stripe), and the facts it answers with.

Small frozen values in, small frozen values out: nothing of the provider's own library crosses
this line, so the rules and their tests never see it. Every call that changes something at the
provider is keyed by our own ids (see each method), so asking twice never acts twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

#: What an off-session charge came to at once; the webhook that follows is what counts.
ChargeOutcome = Literal["succeeded", "processing", "requires_action", "failed"]


class PaymentProviderError(Exception):
    """The provider could not be reached or refused a call for a reason other than the card.

    `retryable` is true when the same call may work later (the provider was down or busy after
    the client's own retries); false when it never will as made (a bad key, a bad parameter).
    `installation` is true when the fault is ours as a whole, not the call's (the key is wrong,
    revoked or lacks a permission): no call will work until a person fixes the settings, so
    nothing should be decided about a pledge on the strength of it. The message never holds a
    secret.
    """

    def __init__(self, message: str, *, retryable: bool, installation: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.installation = installation


@dataclass(frozen=True, slots=True)
class OffSessionCharge:
    """One attempt at taking a pledge's money with the card the backer saved."""

    campaign_id: uuid.UUID
    pledge_id: uuid.UUID
    #: 1 for the first attempt; one more for each retry after the card changed.
    attempt: int
    #: Minor units of `currency`.
    amount: int
    #: ISO 4217, upper case as everywhere in Fundtrail.
    currency: str
    customer_id: str
    payment_method_id: str
    #: The creator's connected account, which receives the money less the platform's fee.
    destination_account_id: str
    #: The platform's fee in minor units (`domain.fees.platform_fee`); 0 for none.
    platform_fee: int = 0


@dataclass(frozen=True, slots=True)
class ChargeResult:
    """What the provider said at once about one charge attempt."""

    outcome: ChargeOutcome
    #: The provider's payment (PaymentIntent) id; None only if it made none.
    payment_intent_id: str | None
    amount: int
    currency: str
    #: Why a card failed (`insufficient_funds`, `authentication_required` …); None otherwise.
    decline_code: str | None = None
    #: The provider's words on a failure, fit to show the backer.
    message: str | None = None


@dataclass(frozen=True, slots=True)
class CardSetup:
    """A hosted page where the backer saves a card; we never see the card itself."""

    session_id: str
    url: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class SavedCard:
    """A hosted card page read back from the provider: which card it saved, if any."""

    session_id: str
    #: `complete` once the backer saved a card; `open` or `expired` otherwise.
    status: str
    #: The saved card's id (`pm_…`); None until the page is complete. Never card details.
    payment_method_id: str | None
    #: The metadata we attached (campaign_id, pledge_id); strings, as the provider keeps them.
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: str
    #: `pending`, `succeeded`, `failed`, `canceled` or `requires_action`, as the provider says.
    status: str
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """A payment as the provider's books hold it, read back: what a webhook only claims."""

    payment_intent_id: str | None
    charge_id: str | None
    #: The PaymentIntent's status (read by payment) or the charge's (read by charge).
    status: str
    amount: int
    currency: str
    amount_refunded: int = 0
    #: The processor's fee from the charge's balance transaction; None until it settles.
    processing_fee: int | None = None
    #: What the platform kept: amount less processing fee (balance transaction); None as above.
    net: int | None = None
    application_fee_amount: int | None = None
    decline_code: str | None = None
    disputed: bool = False
    #: The metadata we attached (campaign_id, pledge_id); strings, as the provider keeps them.
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PayoutAccount:
    """A creator's connected account and how far its onboarding has come."""

    account_id: str
    details_submitted: bool
    charges_enabled: bool
    payouts_enabled: bool


@dataclass(frozen=True, slots=True)
class OnboardingLink:
    """A one-time link to the provider's hosted onboarding; it expires in minutes."""

    url: str
    expires_at: datetime | None


class PaymentProvider(Protocol):
    """The calls Fundtrail makes to a provider that moves money; all raise only
    PaymentProviderError (a declined card is a ChargeResult, not an error)."""

    def create_customer(
        self, account_id: uuid.UUID, *, email: str | None = None, name: str | None = None
    ) -> str:
        """The provider's customer for a backer's account (key: the account id)."""
        ...

    def create_card_setup(
        self,
        *,
        customer_id: str,
        campaign_id: uuid.UUID,
        pledge_id: uuid.UUID,
        attempt: int,
        currency: str,
        success_url: str,
        cancel_url: str,
    ) -> CardSetup:
        """A hosted page saving a card for a pledge (key: pledge id and attempt)."""
        ...

    def read_card_setup(self, session_id: str) -> SavedCard:
        """A hosted card page and the card it saved, read from the provider (what a webhook
        only claims; the card's id is on the page's SetupIntent, not in the event)."""
        ...

    def charge(self, order: OffSessionCharge) -> ChargeResult:
        """Charge the saved card off-session (key: pledge id and attempt)."""
        ...

    def refund(
        self,
        *,
        refund_id: uuid.UUID,
        payment_intent_id: str,
        amount: int | None,
        currency: str,
        campaign_id: uuid.UUID,
        pledge_id: uuid.UUID,
    ) -> RefundResult:
        """Give back `amount` of the payment's `currency` (all when None), reversing the
        transfer and the platform's fee in proportion (key: our refund id)."""
        ...

    def detach_payment_method(self, payment_method_id: str) -> None:
        """Forget a saved card (key: the payment method)."""
        ...

    def read_payment(self, payment_intent_id: str) -> PaymentFacts:
        """A payment with its charge and the charge's fee, read from the provider."""
        ...

    def read_charge(self, charge_id: str) -> PaymentFacts:
        """A charge with its fee, read from the provider."""
        ...

    def create_payout_account(self, account_id: uuid.UUID, *, email: str | None = None) -> str:
        """A connected (Express) account for a creator (key: the creator's account id)."""
        ...

    def onboarding_link(
        self, payout_account_id: str, *, request_id: uuid.UUID, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        """A fresh onboarding link (key: the caller's request id)."""
        ...

    def read_payout_account(self, payout_account_id: str) -> PayoutAccount:
        """A connected account's onboarding state, read from the provider."""
        ...
