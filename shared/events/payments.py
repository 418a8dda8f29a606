"""Payloads of payment events on `pledges.events`: fees and disputes the payment provider reports.

The pledges service produces them from the provider's signed webhooks (keyed by the campaign
id); the ledger records each as entries. `provider_event_id` is the provider's event id, and the
references are the provider's ids, so the public books can be reconciled with its records. No
card or payment-method detail ever rides here.
"""

from typing import Any

import marshmallow as ma

from shared.events import fields
from shared.events.envelope import Payload, event_schema

FEE_KINDS = ("processing", "platform")
DISPUTE_OUTCOMES = ("won", "lost")


def _provider_id(**kwargs: Any) -> ma.fields.String:
    """A payment provider's id (Stripe's: `txn_…`, `dp_…`, `evt_…`)."""
    return ma.fields.String(
        validate=ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$"), **kwargs
    )


class PaymentPayload(Payload):
    campaign_id = ma.fields.UUID(required=True)
    pledge_id = ma.fields.UUID(required=True)
    amount = fields.amount(required=True)
    currency = fields.currency(required=True)
    provider_event_id = _provider_id(required=True)


@event_schema("payment.fee_charged")
class FeeCharged(PaymentPayload):
    """A fee was taken from a collected pledge's money."""

    fee_kind = ma.fields.String(required=True, validate=ma.validate.OneOf(FEE_KINDS))
    #: The provider's charge or balance-transaction id.
    payment_reference = _provider_id(required=True)


@event_schema("payment.dispute_opened")
class DisputeOpened(PaymentPayload):
    """A card dispute held a pledge's money back from the campaign."""

    dispute_reference = _provider_id(required=True)
    #: The provider's reason code, e.g. `fraudulent`.
    reason = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$"))


@event_schema("payment.dispute_closed")
class DisputeClosed(PaymentPayload):
    """A dispute closed: won, the held money comes back; lost, it stays gone."""

    dispute_reference = _provider_id(required=True)
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(DISPUTE_OUTCOMES))
