"""The Stripe adapter: exactly the Stripe calls Fundtrail makes, each with its idempotency key.

It wraps one `stripe.StripeClient` (never the library's global key). Every call that changes
something at Stripe sends an idempotency key made from our own ids (`idempotency_key`), and the
client retries a lost answer, a 409 or a 5xx itself (`max_network_retries`, exponential backoff)
with that same key, so Stripe acts once however often the request reaches it. Stripe keeps keys
for 24 hours at least; callers store what a call returned (a customer id, a payment id) rather
than relying on a replay later. Stripe objects and errors stop here: callers get the frozen
values of `domain.payment_provider` and, for anything but a declined card, PaymentProviderError.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe
from stripe._base_address import BaseAddresses
from stripe.params import (
    AccountCreateParams,
    CustomerCreateParams,
    PaymentIntentCreateParams,
    RefundCreateParams,
)

from services.pledges.adapters.stripe_webhooks import StripeEvent, WebhookRejected, read_event
from services.pledges.domain.charge_rules import STRIPE_CHARGE_RULES
from services.pledges.domain.collection import AUTHENTICATION_REQUIRED
from services.pledges.domain.payment_provider import (
    CardSetup,
    ChargeOutcome,
    ChargeResult,
    OffSessionCharge,
    OnboardingLink,
    PaymentFacts,
    PaymentProviderError,
    PayoutAccount,
    RefundResult,
    SavedCard,
)
from services.pledges.settings import PaymentSettings

#: Retries of a call that got no answer, a 409 or a 5xx, each with the same idempotency key
#: (the library waits 0.5 s, then doubling, at most 5 s, or as Stripe's Retry-After says).
NETWORK_RETRIES = 3
#: Stripe refuses longer idempotency keys.
MAX_KEY_LENGTH = 255

_STATUS_OUTCOMES: dict[str, ChargeOutcome] = {
    "succeeded": "succeeded",
    "processing": "processing",
    "requires_action": "requires_action",
    "requires_confirmation": "requires_action",
    "requires_payment_method": "failed",
    "canceled": "failed",
}


def idempotency_key(kind: str, *parts: object) -> str:
    """`fundtrail:<kind>:<part>:…`, the same for the same logical call, whoever makes it."""
    key = ":".join(["fundtrail", kind, *(str(part) for part in parts)])
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"an idempotency key is at most {MAX_KEY_LENGTH} characters")
    return key


class StripePayments:
    """Fundtrail's payment provider on Stripe (`domain.payment_provider.PaymentProvider`)."""

    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str = "",
        max_network_retries: int = NETWORK_RETRIES,
        http_client: stripe.HTTPClient | None = None,
    ) -> None:
        # A mock answers every kind of call at one address; Stripe itself has several.
        bases: BaseAddresses = (
            {"api": api_base, "connect": api_base, "files": api_base} if api_base else {}
        )
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=bases,
            max_network_retries=max_network_retries,
            http_client=http_client,
        )
        self._api_base = api_base or stripe.DEFAULT_API_BASE

    @classmethod
    def from_settings(cls, settings: PaymentSettings) -> StripePayments | None:
        """The adapter when a Stripe key is configured; None for record-only."""
        if not settings.stripe_secret_key:
            return None
        return cls(settings.stripe_secret_key, api_base=settings.stripe_api_base)

    def __repr__(self) -> str:
        # The client holds the secret key; say only where it talks to.
        return f"StripePayments(api_base={self._api_base!r})"

    # --- backers ---------------------------------------------------------------------------

    def create_customer(
        self, account_id: uuid.UUID, *, email: str | None = None, name: str | None = None
    ) -> str:
        params: CustomerCreateParams = {"metadata": {"fundtrail_account_id": str(account_id)}}
        if email:
            params["email"] = email
        if name:
            params["name"] = name
        customer = _call(
            self._client.v1.customers.create,
            params,
            {"idempotency_key": idempotency_key("customer", account_id)},
        )
        return str(customer["id"])

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
        metadata = _ids(campaign_id, pledge_id)
        session = _call(
            self._client.v1.checkout.sessions.create,
            {
                "mode": "setup",
                "customer": customer_id,
                "currency": currency.lower(),
                "payment_method_types": ["card"],
                "client_reference_id": str(pledge_id),
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": metadata,
                "setup_intent_data": {"metadata": metadata},
            },
            {"idempotency_key": idempotency_key("checkout", pledge_id, _attempt(attempt))},
        )
        return CardSetup(
            session_id=str(session["id"]),
            url=str(session.get("url") or ""),
            expires_at=_time(session.get("expires_at")),
        )

    def read_card_setup(self, session_id: str) -> SavedCard:
        session = _call(
            self._client.v1.checkout.sessions.retrieve, session_id, {"expand": ["setup_intent"]}
        )
        intent = session.get("setup_intent")
        method = intent.get("payment_method") if isinstance(intent, Mapping) else None
        if isinstance(method, Mapping):  # expanded by someone's default: keep its id only
            method = method.get("id")
        return SavedCard(
            session_id=str(session["id"]),
            status=str(session.get("status") or ""),
            payment_method_id=str(method) if method else None,
            metadata=dict(session.get("metadata") or {}),
        )

    def detach_payment_method(self, payment_method_id: str) -> None:
        _call(
            self._client.v1.payment_methods.detach,
            payment_method_id,
            None,
            {"idempotency_key": idempotency_key("detach", payment_method_id)},
        )

    # --- money -----------------------------------------------------------------------------

    def charge(self, order: OffSessionCharge) -> ChargeResult:
        params: PaymentIntentCreateParams = {
            "amount": _to_stripe(order.amount, order.currency),
            "currency": order.currency.lower(),
            "customer": order.customer_id,
            "payment_method": order.payment_method_id,
            "off_session": True,
            "confirm": True,
            "transfer_data": {"destination": order.destination_account_id},
            "metadata": _ids(order.campaign_id, order.pledge_id),
        }
        if order.platform_fee:
            params["application_fee_amount"] = _to_stripe(order.platform_fee, order.currency)
        options: stripe.RequestOptions = {
            "idempotency_key": idempotency_key("charge", order.pledge_id, _attempt(order.attempt))
        }
        try:
            intent = self._client.v1.payment_intents.create(params, options).to_dict()
        except stripe.CardError as declined:
            return _declined(order, declined)
        except stripe.StripeError as broken:
            raise _provider_error(broken) from None
        outcome = _STATUS_OUTCOMES.get(str(intent["status"]), "failed")
        error = (intent.get("last_payment_error") or {}) if outcome == "failed" else {}
        return ChargeResult(
            outcome=outcome,
            payment_intent_id=str(intent["id"]),
            **_amount(intent),
            decline_code=error.get("decline_code") or error.get("code"),
            message=error.get("message"),
        )

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
        params: RefundCreateParams = {
            "payment_intent": payment_intent_id,
            # Destination charges: take the money back from the creator's account, and give
            # back the platform's fee in the same proportion as the amount.
            "reverse_transfer": True,
            "refund_application_fee": True,
            "metadata": {**_ids(campaign_id, pledge_id), "refund_id": str(refund_id)},
        }
        if amount is not None:
            params["amount"] = _to_stripe(amount, currency)
        refund = _call(
            self._client.v1.refunds.create,
            params,
            {"idempotency_key": idempotency_key("refund", refund_id)},
        )
        return RefundResult(
            refund_id=str(refund["id"]),
            status=str(refund["status"]),
            **_amount(refund),
        )

    def read_payment(self, payment_intent_id: str) -> PaymentFacts:
        intent = _call(
            self._client.v1.payment_intents.retrieve,
            payment_intent_id,
            {"expand": ["latest_charge.balance_transaction"]},
        )
        return payment_facts(intent)

    def read_charge(self, charge_id: str) -> PaymentFacts:
        charge = _call(
            self._client.v1.charges.retrieve, charge_id, {"expand": ["balance_transaction"]}
        )
        intent = charge.get("payment_intent")
        return PaymentFacts(
            payment_intent_id=intent.get("id") if isinstance(intent, Mapping) else intent,
            charge_id=str(charge["id"]),
            status=str(charge["status"]),
            decline_code=charge.get("failure_code"),
            disputed=bool(charge.get("disputed")),
            metadata=dict(charge.get("metadata") or {}),
            **_charged(charge, charge, charge),
        )

    # --- events ----------------------------------------------------------------------------

    def events_since(self, since: datetime) -> list[StripeEvent]:
        """Every event Stripe lists from `since` on (it keeps 30 days), oldest first, page after
        page; one it cannot read as an event is skipped and logged by the caller's count."""
        try:
            page = self._client.v1.events.list(
                {"created": {"gte": int(since.timestamp())}, "limit": 100}
            )
            listed = [event.to_dict() for event in page.auto_paging_iter()]
        except stripe.StripeError as error:
            raise _provider_error(error) from None
        events: list[StripeEvent] = []
        for body in listed:
            try:
                events.append(read_event(body))
            except WebhookRejected:
                continue
        return sorted(events, key=lambda event: (event.created, event.id))

    # --- creators (Connect Express) --------------------------------------------------------

    def create_payout_account(self, account_id: uuid.UUID, *, email: str | None = None) -> str:
        params: AccountCreateParams = {
            "type": "express",
            # Destination charges need the account to take transfers; card_payments lets
            # Stripe show the creator as the business behind the charge later on.
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
            "metadata": {"fundtrail_account_id": str(account_id)},
        }
        if email:
            params["email"] = email
        account = _call(
            self._client.v1.accounts.create,
            params,
            {"idempotency_key": idempotency_key("payout-account", account_id)},
        )
        return str(account["id"])

    def onboarding_link(
        self, payout_account_id: str, *, request_id: uuid.UUID, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        link = _call(
            self._client.v1.account_links.create,
            {
                "account": payout_account_id,
                "type": "account_onboarding",
                "refresh_url": refresh_url,
                "return_url": return_url,
            },
            {"idempotency_key": idempotency_key("onboarding-link", request_id)},
        )
        return OnboardingLink(url=str(link["url"]), expires_at=_time(link.get("expires_at")))

    def read_payout_account(self, payout_account_id: str) -> PayoutAccount:
        account = _call(self._client.v1.accounts.retrieve, payout_account_id)
        return PayoutAccount(
            account_id=str(account["id"]),
            details_submitted=bool(account.get("details_submitted")),
            charges_enabled=bool(account.get("charges_enabled")),
            payouts_enabled=bool(account.get("payouts_enabled")),
        )


def payment_facts(intent: Mapping[str, Any]) -> PaymentFacts:
    """A PaymentIntent as Stripe's JSON holds it, with its latest charge and that charge's
    balance transaction expanded (or not: the fees are then unknown)."""
    charge = intent.get("latest_charge")
    charge = charge if isinstance(charge, Mapping) else {}
    error = intent.get("last_payment_error") or {}
    return PaymentFacts(
        payment_intent_id=str(intent["id"]),
        charge_id=charge.get("id"),
        status=str(intent["status"]),
        decline_code=error.get("decline_code") or error.get("code"),
        disputed=bool(charge.get("disputed")),
        metadata=dict(intent.get("metadata") or {}),
        **_charged(intent, charge, intent),
    )


def from_stripe(amount: object, currency: object) -> int:
    """An amount Stripe's JSON gives in its units of `currency`, in Fundtrail's (rounded half
    up where Stripe counts finer: `ChargeRules.from_provider_units`)."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"Stripe's amount is not an integer: {amount!r}")
    return STRIPE_CHARGE_RULES.from_provider_units(amount, str(currency).upper())


def _to_stripe(amount: int, currency: str) -> int:
    return STRIPE_CHARGE_RULES.to_provider_units(amount, currency)


def _amount(money: Mapping[str, Any]) -> dict[str, Any]:
    """A Stripe object's `amount` and `currency`, the amount in Fundtrail's units."""
    return {
        "amount": from_stripe(money["amount"], money["currency"]),
        "currency": str(money["currency"]).upper(),
    }


def _charged(
    paid: Mapping[str, Any], charge: Mapping[str, Any], fee_holder: Mapping[str, Any]
) -> dict[str, Any]:
    """The money of a payment in Fundtrail's units: `paid`'s amount and currency, `charge`'s
    refunded total and balance transaction, `fee_holder`'s platform fee."""
    money = _amount(paid)
    currency = money["currency"]
    fee = fee_holder.get("application_fee_amount")
    return {
        **money,
        "amount_refunded": from_stripe(charge.get("amount_refunded") or 0, currency),
        "application_fee_amount": None if fee is None else from_stripe(fee, currency),
        **_fees(charge, money["amount"], currency),
    }


def _call(method: Any, *args: Any) -> dict[str, Any]:
    """`method(*args)`'s answer as plain dicts, Stripe's errors as PaymentProviderError."""
    try:
        answer: dict[str, Any] = method(*args).to_dict()
    except stripe.StripeError as error:
        raise _provider_error(error) from None
    return answer


def _provider_error(error: stripe.StripeError) -> PaymentProviderError:
    # Only the class, status and Stripe's own code and request id: Stripe's messages may quote
    # the parameters we sent, and the request id is what its support asks for.
    status = error.http_status
    retryable = isinstance(
        error, stripe.APIConnectionError | stripe.APIError | stripe.RateLimitError
    ) or (status is not None and (status >= 500 or status == 409))
    summary = ", ".join(
        part
        for part in (
            f"HTTP {status}" if status else "no answer",
            f"code {error.code}" if error.code else "",
            f"request {error.request_id}" if error.request_id else "",
        )
        if part
    )
    return PaymentProviderError(
        f"Stripe: {type(error).__name__} ({summary})",
        retryable=retryable,
        # A wrong, revoked or restricted key: every call fails alike until the settings change.
        installation=isinstance(error, stripe.AuthenticationError | stripe.PermissionError),
    )


def _declined(order: OffSessionCharge, declined: stripe.CardError) -> ChargeResult:
    """A card error as a result: the card said no (or asks for its owner), nothing broke."""
    detail = declined.error
    code = (detail.decline_code if detail else None) or declined.code
    intent = detail.payment_intent if detail else None
    outcome: ChargeOutcome = "requires_action" if code == AUTHENTICATION_REQUIRED else "failed"
    return ChargeResult(
        outcome=outcome,
        payment_intent_id=str(intent.id) if intent is not None else None,
        amount=order.amount,
        currency=order.currency,
        decline_code=code,
        message=declined.user_message,
    )


def _fees(charge: Mapping[str, Any], amount: int, currency: str) -> dict[str, int | None]:
    """The processing fee and net of an expanded balance transaction, in Fundtrail's units;
    None until it exists.

    Stripe computes the fee in its own units, which can hold a fraction of ours (123.45 IDR
    where Fundtrail counts whole rupiah): it is rounded half up and never above the charge,
    and the net is what the charge leaves after that fee, so fee and net add up to the
    charge in our books as they do in Stripe's."""
    transaction = charge.get("balance_transaction")
    if not isinstance(transaction, Mapping):
        return {"processing_fee": None, "net": None}
    # The transaction's currency is the platform's settlement currency. Where Stripe converted
    # the charge into another, its fee is in that currency, which the campaign's books cannot
    # hold: the fee stays unknown (no entry) rather than booked in the wrong currency
    # (docs/payments.md, "What comes next").
    settled = str(transaction.get("currency") or currency).upper()
    if settled != currency:
        return {"processing_fee": None, "net": None}
    fee = min(from_stripe(transaction["fee"], settled), amount)
    return {"processing_fee": fee, "net": amount - fee}


def _ids(campaign_id: uuid.UUID, pledge_id: uuid.UUID) -> dict[str, str]:
    return {"campaign_id": str(campaign_id), "pledge_id": str(pledge_id)}


def _attempt(attempt: int) -> int:
    if attempt < 1:
        raise ValueError("attempts are counted from 1")
    return attempt


def _time(value: object) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int) else None
