"""Stripe's webhook events, each taken in once: an inbox row and its effect in one transaction.

`HANDLERS` maps a Stripe event type to its handler. A handler runs before any transaction is
open (it may read from Stripe, which can be slow or down) and returns the effect to apply, a
function of the unit of work, or None for none. `receive` then records the event id in the
inbox and applies the effect in one transaction: a redelivered, replayed or concurrent copy of
the event finds the id and has no effect. To handle another type, write
`def on_x(event: StripeEvent, context: WebhookContext) -> Effect | None` and add
`"x": on_x` to `HANDLERS`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.pledges import commands
from services.pledges.adapters.events import PLEDGE_TOPIC, PRODUCER
from services.pledges.adapters.stripe_payments import from_stripe, payment_facts
from services.pledges.adapters.stripe_webhooks import StripeEvent
from services.pledges.domain import DEFAULT_PAYMENT_GRACE, PaymentGateway, PledgeStatus
from services.pledges.domain.collection import AUTHENTICATION_REQUIRED, REASON_CODE
from services.pledges.domain.errors import DomainError, PledgeNotCollecting
from services.pledges.domain.payment_provider import (
    PaymentFacts,
    PaymentProvider,
    PaymentProviderError,
)
from services.pledges.handlers.cards import apply_card_saved
from services.pledges.handlers.collection import apply_failed, apply_succeeded
from services.pledges.handlers.common import Clock, locked_pledge, utc_now
from services.pledges.handlers.payouts import apply_payout_account_updated
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.events import new_envelope
from shared.logging import get_logger

log = get_logger(__name__)

#: The effect of one event on the open unit of work: True if it changed something.
Effect = Callable[[PledgesUnitOfWork], bool]


class StripeUnavailable(Exception):
    """Stripe could not be asked what the event needs: answer so that Stripe delivers again."""


class SettlementNotRecorded(StripeUnavailable):
    """Stripe reports a payment our books have not asked for yet (the settlement that asked
    rolled back and will be tried again): answer so that Stripe delivers again later."""


@dataclass(frozen=True)
class WebhookContext:
    """What handlers may use: Stripe's API (None when not configured), the time, the grace."""

    payments: PaymentProvider | None
    clock: Clock = utc_now
    payment_grace: timedelta = DEFAULT_PAYMENT_GRACE
    #: The gateway settlement uses: a failed payment is asked for again when its card changes.
    payment_gateway: Callable[[], PaymentGateway] | None = None


WebhookHandler = Callable[[StripeEvent, WebhookContext], Effect | None]


@dataclass(frozen=True)
class Receipt:
    """What taking in one event did."""

    #: The event had been taken in before: nothing was done now.
    duplicate: bool
    took_effect: bool


def receive(
    event: StripeEvent, uow_factory: Callable[[], PledgesUnitOfWork], context: WebhookContext
) -> Receipt:
    """Take in one verified event once. Raises StripeUnavailable, having written nothing, when
    the event's handler could not read from Stripe."""
    with uow_factory() as uow:
        if uow.stripe_events.known(event.id):
            return Receipt(duplicate=True, took_effect=False)  # no Stripe read for a redelivery
    handler = HANDLERS.get(event.type)
    effect = handler(event, context) if handler is not None else None
    now = context.clock()
    try:
        with uow_factory() as uow:
            if not uow.stripe_events.claim(event.id, event.type, event.created, now):
                return Receipt(duplicate=True, took_effect=False)
            took = effect(uow) if effect is not None else False
            if took:
                uow.stripe_events.took_effect(event.id)
            uow.commit()
            return Receipt(duplicate=False, took_effect=took)
    except DomainError as refused:
        # The event names what our books cannot take (an unknown pledge, a foreign payment):
        # it is kept as received, with no effect, so a redelivery does not try again.
        log.warning("stripe.event_refused", event_id=event.id, type=event.type, reason=str(refused))
        with uow_factory() as uow:
            duplicate = not uow.stripe_events.claim(event.id, event.type, event.created, now)
            uow.commit()
        return Receipt(duplicate=duplicate, took_effect=False)


# --- the handlers ----------------------------------------------------------------------------


def on_payment_succeeded(event: StripeEvent, context: WebhookContext) -> Effect | None:
    """The pledge is collected, with the fees Stripe's books show; then one
    `payment.fee_charged` per fee, after `pledge.collected` on the same topic and key."""
    ids = _our_ids(event.data_object.get("metadata"))
    intent_id = event.data_object.get("id")
    if ids is None or not isinstance(intent_id, str):
        return None
    campaign_id, pledge_id = ids
    facts = _expanded_payment(event.data_object) or _read(
        context, lambda payments: payments.read_payment(intent_id)
    )
    fees = _fees(facts)
    if sum(fees.values()) > facts.amount:
        # Books that make no sense must not keep the money that arrived out of the pledge:
        # collect it, and leave the fees for a person to reconcile.
        log.warning("stripe.fees_exceed_payment", event_id=event.id, payment_intent=intent_id)
        fees = {}
    command = commands.CollectionSucceeded(
        pledge_id=pledge_id, reference=intent_id, fee_amount=sum(fees.values()) if fees else None
    )

    def effect(uow: PledgesUnitOfWork) -> bool:
        try:
            result = apply_succeeded(command, uow, context.clock())
        except PledgeNotCollecting:
            if _still_pledged(uow, pledge_id):
                # Stripe took the money while our settlement rolled back (Stripe down for a
                # later pledge): that settlement will be tried again and ask for this same
                # PaymentIntent (same key). Keep nothing, so Stripe delivers this again then.
                raise SettlementNotRecorded(f"pledge {pledge_id} is not collecting yet") from None
            raise
        if not result.changed:
            return False
        uow.publish_new_events()  # pledge.collected first: the ledger needs the money in
        for fee_kind, amount in fees.items():
            _publish(
                uow,
                "payment.fee_charged",
                campaign_id,
                pledge_id,
                amount,
                facts.currency,
                event.id,
                fee_kind=fee_kind,
                payment_reference=facts.charge_id or intent_id,
            )
        return True

    return effect


def on_payment_failed(event: StripeEvent, context: WebhookContext) -> Effect | None:
    """The payment failed (or the bank wants the backer present): the backer has the grace
    period to fix it. About an earlier attempt, or a paid pledge, it changes nothing."""
    ids = _our_ids(event.data_object.get("metadata"))
    intent_id = event.data_object.get("id")
    if ids is None or not isinstance(intent_id, str):
        return None
    command = commands.CollectionFailed(
        pledge_id=ids[1], reference=intent_id, reason_code=_reason(event)
    )
    return lambda uow: apply_failed(command, uow, context.clock(), context.payment_grace).changed


def on_dispute_created(event: StripeEvent, context: WebhookContext) -> Effect | None:
    return _dispute(event, context, "payment.dispute_opened")


def on_dispute_closed(event: StripeEvent, context: WebhookContext) -> Effect | None:
    return _dispute(event, context, "payment.dispute_closed")


def on_checkout_completed(event: StripeEvent, context: WebhookContext) -> Effect | None:
    """A backer saved a card on a pledge's hosted page (Checkout in setup mode): the pledge keeps
    the card's id, read back from Stripe (Stripe's event names only the SetupIntent). An event
    that carries the SetupIntent expanded (`fundtrail payments trigger`, for a mock that
    remembers nothing) is taken at its word: it is signed with the endpoint's secret."""
    session = event.data_object
    ids = _our_ids(session.get("metadata"))
    session_id = session.get("id")
    if session.get("mode") != "setup" or ids is None or not isinstance(session_id, str):
        return None
    if context.payments is None or context.payment_gateway is None:
        return None
    payment_method_id = _expanded_card(session.get("setup_intent"))
    if payment_method_id is None:
        try:
            payment_method_id = context.payments.read_card_setup(session_id).payment_method_id
        except PaymentProviderError as error:
            raise StripeUnavailable(str(error)) from None
    if payment_method_id is None:
        return None  # the page was left without a card: nothing to keep
    command = commands.SaveCard(ids[1], session_id, payment_method_id, event.created)
    gateway = context.payment_gateway

    def effect(uow: PledgesUnitOfWork) -> bool:
        try:
            saved = apply_card_saved(command, uow, gateway, context.clock(), context.payment_grace)
        except PaymentProviderError as error:
            # The new card's charge could not be asked for (Stripe down): keep nothing, card
            # included, so Stripe's redelivery saves it and asks again with the same key.
            raise StripeUnavailable(str(error)) from None
        return saved.changed

    return effect


def on_account_updated(event: StripeEvent, context: WebhookContext) -> Effect | None:
    """A creator's payout account changed at Stripe (details, charges, payouts): kept unless a
    newer word is already stored."""
    account = event.data_object
    account_id = account.get("id")
    if not isinstance(account_id, str):
        return None
    command = commands.PayoutAccountUpdated(
        account_id=account_id,
        details_submitted=account.get("details_submitted") is True,
        charges_enabled=account.get("charges_enabled") is True,
        payouts_enabled=account.get("payouts_enabled") is True,
        occurred_at=event.created,
    )
    return lambda uow: apply_payout_account_updated(command, uow)


def on_charge_refunded(event: StripeEvent, context: WebhookContext) -> Effect | None:
    """Stripe confirms a refund: checked against our books, which it never changes.

    Refunds enter the books through the pledge's own refund flow, when the creator asks (with
    a reason, and the ledger's entry). When Stripe's total refunded for the charge disagrees
    with the pledge's, someone refunded outside Fundtrail (Stripe's dashboard) or a refund
    failed: a warning names the pledge for a person to reconcile. The books are not changed
    to match: a refund nobody asked for here has no reason to publish, and Stripe's number may
    include what our books never collected."""
    charge = event.data_object
    refunded = _ours(charge.get("amount_refunded"), charge.get("currency"))
    if refunded is None:
        return None
    ids = _our_ids(charge.get("metadata"))
    intent = charge.get("payment_intent")
    if ids is None and isinstance(intent, str):
        ids = _our_ids(_read(context, lambda payments: payments.read_payment(intent)).metadata)
    if ids is None:
        return None  # not a payment Fundtrail made
    pledge_id = ids[1]

    def effect(uow: PledgesUnitOfWork) -> bool:
        # The campaign's lock: a refund of ours still being recorded (Stripe's event can
        # arrive before our commit) finishes first, so its amount is counted.
        _, pledge = locked_pledge(uow, pledge_id)
        if pledge.refunded_amount != refunded:
            log.warning(
                "stripe.refund_mismatch",
                event_id=event.id,
                pledge_id=str(pledge_id),
                stripe_refunded=refunded,
                books_refunded=pledge.refunded_amount,
            )
        else:
            log.info("stripe.refund_confirmed", event_id=event.id, pledge_id=str(pledge_id))
        return False

    return effect


HANDLERS: dict[str, WebhookHandler] = {
    "payment_intent.succeeded": on_payment_succeeded,
    "payment_intent.payment_failed": on_payment_failed,
    "payment_intent.requires_action": on_payment_failed,
    "charge.dispute.created": on_dispute_created,
    "charge.dispute.closed": on_dispute_closed,
    "charge.refunded": on_charge_refunded,
    "checkout.session.completed": on_checkout_completed,
    "account.updated": on_account_updated,
}


# --- helpers ---------------------------------------------------------------------------------


def _dispute(event: StripeEvent, context: WebhookContext, event_type: str) -> Effect | None:
    dispute = event.data_object
    dispute_id, currency = dispute.get("id"), dispute.get("currency")
    amount = _ours(dispute.get("amount"), currency)
    if not isinstance(dispute_id, str) or amount is None:
        return None
    currency = str(currency).upper()
    ids = _our_ids(_intent_metadata(dispute.get("payment_intent")))
    if ids is None:
        # A dispute names its charge (and, lately, its PaymentIntent) by id only: ask Stripe.
        intent, charge = dispute.get("payment_intent"), dispute.get("charge")
        if isinstance(intent, str):
            facts = _read(context, lambda payments: payments.read_payment(intent))
        elif isinstance(charge, str):
            facts = _read(context, lambda payments: payments.read_charge(charge))
        else:
            return None
        ids = _our_ids(facts.metadata)
    if ids is None:
        return None
    campaign_id, pledge_id = ids
    extra: dict[str, Any] = {"dispute_reference": dispute_id}
    if event_type == "payment.dispute_opened":
        reason = dispute.get("reason")
        extra["reason"] = (
            reason if isinstance(reason, str) and REASON_CODE.fullmatch(reason) else ("general")
        )
    else:
        status = dispute.get("status")
        if status not in ("won", "lost"):
            return None  # closed as warning_closed (an inquiry): no money moved
        extra["outcome"] = status

    def effect(uow: PledgesUnitOfWork) -> bool:
        _publish(uow, event_type, campaign_id, pledge_id, amount, currency, event.id, **extra)
        return True

    return effect


def _read(context: WebhookContext, read: Callable[[PaymentProvider], PaymentFacts]) -> PaymentFacts:
    if context.payments is None:
        raise StripeUnavailable("Stripe is not configured")
    try:
        return read(context.payments)
    except PaymentProviderError as error:
        raise StripeUnavailable(str(error)) from None


def _fees(facts: PaymentFacts) -> dict[str, int]:
    """The fees Stripe's books show for a payment, by kind; none it has not settled yet."""
    fees: dict[str, int] = {}
    if facts.processing_fee:
        fees["processing"] = facts.processing_fee
    if facts.application_fee_amount:
        fees["platform"] = facts.application_fee_amount
    return fees


def _reason(event: StripeEvent) -> str:
    if event.type == "payment_intent.requires_action":
        return AUTHENTICATION_REQUIRED
    error = event.data_object.get("last_payment_error")
    error = error if isinstance(error, Mapping) else {}
    for code in (error.get("decline_code"), error.get("code")):
        if isinstance(code, str) and REASON_CODE.fullmatch(code):
            return code
    return "payment_failed"


def _still_pledged(uow: PledgesUnitOfWork, pledge_id: uuid.UUID) -> bool:
    pledge = uow.pledges.get(pledge_id)
    return pledge is not None and pledge.status is PledgeStatus.PLEDGED


def _expanded_payment(intent: Mapping[str, Any]) -> PaymentFacts | None:
    """The payment as the event carries it, when its charge comes expanded with the balance
    transaction that holds the fee (`fundtrail payments trigger`); None otherwise."""
    charge = intent.get("latest_charge")
    if not isinstance(charge, Mapping) or not isinstance(
        charge.get("balance_transaction"), Mapping
    ):
        return None
    try:
        return payment_facts(intent)
    except (KeyError, TypeError, ValueError):
        return None  # not Stripe's shape: read the payment from Stripe instead


def _expanded_card(setup_intent: object) -> str | None:
    """The card of a SetupIntent the event carries expanded and finished; None otherwise."""
    if not isinstance(setup_intent, Mapping) or setup_intent.get("status") != "succeeded":
        return None
    method = setup_intent.get("payment_method")
    return method if isinstance(method, str) else None


def _intent_metadata(intent: object) -> object:
    return intent.get("metadata") if isinstance(intent, Mapping) else None


def _our_ids(metadata: object) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The campaign and pledge the adapter named in a payment's metadata; None if not ours."""
    if not isinstance(metadata, Mapping):
        return None
    try:
        return uuid.UUID(str(metadata["campaign_id"])), uuid.UUID(str(metadata["pledge_id"]))
    except (KeyError, ValueError):
        return None


def _ours(amount: object, currency: object) -> int | None:
    """An amount an event's object gives in Stripe's units of its `currency`, in Fundtrail's;
    None when it is not a whole, non-negative number in a currency in use (not Stripe's shape).
    The one way an event's amount is read: Stripe counts IDR in hundredths, we in rupiah."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        return None
    if not isinstance(currency, str):
        return None
    try:
        return from_stripe(amount, currency)
    except ValueError:  # UnknownCurrency
        return None


def _publish(
    uow: PledgesUnitOfWork,
    event_type: str,
    campaign_id: uuid.UUID,
    pledge_id: uuid.UUID,
    amount: int,
    currency: str,
    provider_event_id: str,
    occurred_at: datetime | None = None,
    **extra: Any,
) -> None:
    payload = {
        "campaign_id": campaign_id,
        "pledge_id": pledge_id,
        "amount": amount,
        "currency": currency,
        "provider_event_id": provider_event_id,
        **extra,
    }
    envelope = new_envelope(
        event_type, payload, producer=PRODUCER, campaign_id=campaign_id, occurred_at=occurred_at
    )
    uow.publish(PLEDGE_TOPIC, envelope)
