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
    """A backer pledged to a live campaign."""


@event_schema("pledge.changed")
class PledgeChanged(PledgePayload):
    """A backer changed the amount or tier of an active pledge."""

    previous_amount = fields.amount(required=True)
    previous_tier_id = ma.fields.UUID(required=True, allow_none=True)


@event_schema("pledge.cancelled")
class PledgeCancelled(PledgePayload):
    """A backer withdrew an active pledge."""


@event_schema("pledge.collected")
class PledgeCollected(PledgePayload):
    """The campaign succeeded and the amount was collected."""

    payment_reference = ma.fields.String(required=True)


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
