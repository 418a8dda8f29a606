"""The settlement gateway that moves real money through Stripe: charges, releases and refunds.

`StripeGateway` is what `payment_gateway()` gives when a Stripe key is set. Its calls need the
backer's customer and the creator's payout account, which live in the pledges database, so a
handler binds it to the campaign it holds locked and to its open unit of work
(`for_campaign`, through `handlers.common.gateway_for`) before handing it to the domain: the
lookups then read the same transaction the settlement writes. A campaign launched in test mode
(before money moved here) keeps its promise: it is bound to the record-only gateway.

Decisions the domain cannot make alone, each documented in docs/payments.md:

- A collection is only *requested*: Stripe's webhook says whether the money arrived. What is
  known at once is applied at once: no saved card, a card declined on the spot (with its
  decline code), or a charge Stripe refuses as made are failures that start the backer's grace
  period. A PaymentIntent left unfinished without a reason waits for its webhook.
- Stripe down (after the client's own retries) or a key it refuses raises: the settlement rolls
  back and is tried again later with the same idempotency keys, so nobody is charged twice.
- A creator whose payout account cannot take charges holds the settlement back (a domain
  refusal the settle loop logs and retries); backers are not charged for money nobody can
  receive.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from services.pledges.domain.campaigns import Campaign
from services.pledges.domain.collection import AUTHENTICATION_REQUIRED, REASON_CODE
from services.pledges.domain.errors import PledgeNotCollected
from services.pledges.domain.fees import platform_fee
from services.pledges.domain.payment_provider import (
    ChargeResult,
    OffSessionCharge,
    PaymentProvider,
    PaymentProviderError,
)
from services.pledges.domain.payments import (
    CollectionOutcome,
    CollectionRequest,
    PaymentGateway,
    PaymentReceipt,
    RecordOnlyGateway,
)
from services.pledges.domain.payouts import PayoutAccountNotReady
from services.pledges.domain.pledges import Pledge
from shared.logging import get_logger

if TYPE_CHECKING:
    from services.pledges.unit_of_work import PledgesUnitOfWork

log = get_logger(__name__)

#: Reason codes for failures known at settlement, before any webhook (the domain's rule: a
#: short lower-case code, so nothing else can ride into events and pages).
NO_CARD = "no_card"
CARD_DECLINED = "card_declined"
PAYMENT_REFUSED = "payment_refused"
#: Refund keys are UUIDs derived from what makes a refund this refund (see `refund`).
_REFUND_KEYS = uuid.UUID("5b0c2d7e-6a51-4c1f-9a43-3f0e1f2a7d15")


class StripeGateway:
    """The gateway `GET /payments` describes when Stripe is configured. Unbound, it answers
    who moves the money; bound to a campaign (`for_campaign`) it moves it."""

    provider = "stripe"
    moves_money = True

    def __init__(self, payments: PaymentProvider, *, platform_fee_bps: int = 0) -> None:
        self._payments = payments
        self._fee_bps = platform_fee_bps

    def __repr__(self) -> str:
        return f"StripeGateway({self._payments!r}, platform_fee_bps={self._fee_bps})"

    def for_campaign(self, campaign: Campaign, uow: PledgesUnitOfWork) -> PaymentGateway:
        """The gateway for this campaign's pledges, reading what it needs through `uow`."""
        if campaign.test_mode:
            # Launched while no money moved here: its pages promised a test, and its backers
            # saved no cards. It ends as it began.
            return RecordOnlyGateway()
        return CampaignStripeGateway(self._payments, campaign, uow, self._fee_bps)

    def request_collection(self, pledge: Pledge, attempt: int) -> CollectionRequest:
        raise self._unbound()

    def release(self, pledge: Pledge) -> PaymentReceipt:
        raise self._unbound()

    def refund(self, pledge: Pledge, amount: int, reason: str) -> PaymentReceipt:
        raise self._unbound()

    @staticmethod
    def _unbound() -> RuntimeError:
        return RuntimeError("the Stripe gateway moves money only bound to a campaign")


class CampaignStripeGateway:
    """The Stripe gateway bound to one campaign and the unit of work that holds it locked."""

    provider = StripeGateway.provider
    moves_money = StripeGateway.moves_money

    def __init__(
        self,
        payments: PaymentProvider,
        campaign: Campaign,
        uow: PledgesUnitOfWork,
        platform_fee_bps: int,
    ) -> None:
        self._payments = payments
        self._campaign = campaign
        self._uow = uow
        self._fee_bps = platform_fee_bps
        self._destination: str | None = None

    # --- collection ---------------------------------------------------------------------------

    def request_collection(self, pledge: Pledge, attempt: int) -> CollectionRequest:
        """Charge the saved card off-session (key: pledge and attempt); PENDING until the
        webhook, or FAILED at once when Stripe cannot be asked to take the money at all."""
        destination = self._payout_destination()
        customer_id = self._uow.payment_customers.of(pledge.backer_id)
        if pledge.payment_method_id is None or customer_id is None:
            # Never saved a card: nothing to charge. The backer gets the grace period to save
            # one, like a declined card; the reference is this attempt's own.
            return self._failed(pledge, attempt, f"stripe:no-card:{pledge.id}:{attempt}", NO_CARD)
        order = OffSessionCharge(
            campaign_id=pledge.campaign_id,
            pledge_id=pledge.id,
            attempt=attempt,
            amount=pledge.amount,
            currency=pledge.currency,
            customer_id=customer_id,
            payment_method_id=pledge.payment_method_id,
            destination_account_id=destination,
            platform_fee=platform_fee(pledge.amount, self._fee_bps),
        )
        try:
            result = self._payments.charge(order)
        except PaymentProviderError as error:
            if error.retryable or error.installation:
                # Stripe down, or our key refused: nothing about this pledge is known. Raising
                # rolls the whole settlement back; the next try sends the same keys.
                raise
            # Stripe refuses this charge as made (say, the card was removed from the customer
            # at Stripe): asking again will not help, but a new card may. Failing this pledge
            # lets the others settle and gives its backer the grace period.
            log.warning(
                "collection.charge_refused",
                pledge_id=str(pledge.id),
                attempt=attempt,
                error=str(error),
            )
            reference = f"stripe:refused:{pledge.id}:{attempt}"
            return self._failed(pledge, attempt, reference, PAYMENT_REFUSED)
        if _said_no(result):
            # The PaymentIntent's id when Stripe made one: its payment_failed webhook then names
            # the same attempt, and the domain takes that report as the repeat it is.
            reference = result.payment_intent_id or f"stripe:declined:{pledge.id}:{attempt}"
            return self._failed(pledge, attempt, reference, _reason(result))
        # Anything else (succeeded, processing, or a PaymentIntent left unfinished without a
        # reason) waits for the webhook, which says what happened, with the fees.
        assert result.payment_intent_id is not None
        return CollectionRequest(
            reference=result.payment_intent_id,
            pledge_id=pledge.id,
            attempt=attempt,
            amount=pledge.amount,
            currency=pledge.currency,
        )

    def _payout_destination(self) -> str:
        """The creator's connected account, if it can take charges; asked once per campaign."""
        if self._destination is None:
            account = self._uow.payout_accounts.of_creator(self._campaign.creator_id)
            if account is None or not account.charges_enabled:
                state = "there is none" if account is None else account.describe()
                raise PayoutAccountNotReady(
                    "The creator's payout account cannot take charges, so no backer is charged "
                    f"yet: settlement waits until it can ({state})."
                )
            self._destination = account.account_id
        return self._destination

    @staticmethod
    def _failed(pledge: Pledge, attempt: int, reference: str, reason: str) -> CollectionRequest:
        return CollectionRequest(
            reference=reference,
            pledge_id=pledge.id,
            attempt=attempt,
            amount=pledge.amount,
            currency=pledge.currency,
            outcome=CollectionOutcome.FAILED,
            reason_code=reason,
        )

    # --- release -----------------------------------------------------------------------------

    def release(self, pledge: Pledge) -> PaymentReceipt:
        """Charge nothing and forget the saved card at Stripe (detaching it; keyed by the card,
        so a settlement tried again detaches nothing twice)."""
        what = "no-card"
        if pledge.payment_method_id is not None:
            try:
                self._payments.detach_payment_method(pledge.payment_method_id)
                what = "card-detached"
            except PaymentProviderError as error:
                if error.retryable or error.installation:
                    raise  # the settlement rolls back and tries again later
                # Refused as made: most often detached already (by Stripe, or by a replay
                # whose answer was lost). The backer is let off whatever the card's fate.
                log.warning("release.detach_refused", pledge_id=str(pledge.id), error=str(error))
                what = "card-not-detached"
        return PaymentReceipt(
            reference=f"stripe:release:{pledge.id}:{what}",
            kind="release",
            pledge_id=pledge.id,
            amount=0,
            currency=pledge.currency,
        )

    # --- refund ------------------------------------------------------------------------------

    def refund(self, pledge: Pledge, amount: int, reason: str) -> PaymentReceipt:
        """Give `amount` back through Stripe Refunds, reversing the creator's transfer and the
        platform's fee in proportion.

        The idempotency key is derived from the pledge, what was refunded before this refund and
        its amount: a request retried after our transaction rolled back (Stripe said yes, our
        commit failed) sends the same key and gets the same refund; the next refund of the same
        pledge starts from a larger refunded total, so it is a new one. The campaign's lock
        makes refunds of one pledge take turns, so no two share a starting total."""
        intent_id = pledge.payment_reference
        if intent_id is None or not intent_id.startswith("pi_"):
            # Not a payment Stripe holds (say, collected by another gateway before the keys
            # were set): there is nothing at Stripe to give back, and a person should look.
            raise PledgeNotCollected(
                "this pledge's payment was not taken through Stripe, so Stripe cannot refund it"
            )
        refund_id = uuid.uuid5(_REFUND_KEYS, f"{pledge.id}:{pledge.refunded_amount}:{amount}")
        result = self._payments.refund(
            refund_id=refund_id,
            payment_intent_id=intent_id,
            amount=amount,
            currency=pledge.currency,
            campaign_id=pledge.campaign_id,
            pledge_id=pledge.id,
        )
        if result.status in ("failed", "canceled"):
            raise PaymentProviderError(f"Stripe did not refund ({result.status})", retryable=False)
        return PaymentReceipt(
            reference=result.refund_id,
            kind="refund",
            pledge_id=pledge.id,
            amount=amount,
            currency=pledge.currency,
        )


def _said_no(result: ChargeResult) -> bool:
    """Whether Stripe's answer to the charge is a refusal we may act on before its webhook: a
    decline or an authentication request with its code, or no PaymentIntent at all (so no
    webhook will come). A PaymentIntent left unfinished with no reason (stripe-mock's stock
    answer) is not one: its webhook will say."""
    if result.outcome not in ("failed", "requires_action"):
        return False
    return (
        result.payment_intent_id is None
        or result.outcome == "requires_action"
        or result.decline_code is not None
    )


def _reason(result: ChargeResult) -> str:
    if result.outcome == "requires_action":
        return AUTHENTICATION_REQUIRED
    code = result.decline_code
    return code if code and REASON_CODE.fullmatch(code) else CARD_DECLINED
