"""Payloads of pledge events on `pledges.events`. Backers appear only as opaque account ids."""

import marshmallow as ma

from shared.events import fields
from shared.events.envelope import Payload, event_schema


class PledgePayload(Payload):
    campaign_id = ma.fields.UUID(required=True)
    pledge_id = ma.fields.UUID(required=True)
    backer_id = ma.fields.UUID(required=True)
    #: The pledge's amount after the event; on `pledge.refunded`, the sum this refund returns.
    amount = fields.amount(required=True)
    currency = fields.currency(required=True)
    tier_id = ma.fields.UUID(required=True, allow_none=True)


@event_schema("pledge.created")
class PledgeCreated(PledgePayload):
    """A backer pledged to a live campaign.

    `tier_name` (added later, optional, without a new version) lets a mail name the tier
    without keeping the campaign's tiers: events from before it read as `None`.
    """

    tier_name = ma.fields.String(load_default=None, allow_none=True)


@event_schema("pledge.changed")
class PledgeChanged(PledgePayload):
    """A backer changed the amount or tier of an active pledge."""

    previous_amount = fields.amount(required=True)
    previous_tier_id = ma.fields.UUID(required=True, allow_none=True)
    #: The tiers' names, as on `pledge.created` (optional: older events read as `None`).
    tier_name = ma.fields.String(load_default=None, allow_none=True)
    previous_tier_name = ma.fields.String(load_default=None, allow_none=True)


@event_schema("pledge.cancelled")
class PledgeCancelled(PledgePayload):
    """A backer withdrew an active pledge."""


@event_schema("pledge.collected")
class PledgeCollected(PledgePayload):
    """The payment provider says the amount arrived.

    `fee_amount` (what the provider kept, where known) was added later as an optional field,
    without a new version: events from before it, and from gateways that know no fee, read
    as `None`.
    """

    payment_reference = ma.fields.String(required=True)
    fee_amount = fields.amount(load_default=None, allow_none=True)


@event_schema("pledge.payment_failed")
class PledgePaymentFailed(PledgePayload):
    """The provider could not take the money; the backer may fix it until `retry_until`.

    Never card details: `reason_code` is the provider's short code (`card_declined`).
    """

    payment_reference = ma.fields.String(required=True)
    reason_code = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[a-z0-9_]{1,64}$"))
    retry_until = ma.fields.AwareDateTime(required=True)


@event_schema("pledge.dropped")
class PledgeDropped(PledgePayload):
    """The grace period ended without a payment: the pledge no longer counts."""


@event_schema("pledge.released")
class PledgeReleased(PledgePayload):
    """The campaign failed or was cancelled; the backer owes nothing."""

    payment_reference = ma.fields.String(required=True)


@event_schema("pledge.refunded")
class PledgeRefunded(PledgePayload):
    """Part or all of a collected pledge went back to the backer."""

    collected_amount = fields.amount(required=True)
    refunded_total = fields.amount(required=True)
    reason = ma.fields.String(required=True)
    payment_reference = ma.fields.String(required=True)
