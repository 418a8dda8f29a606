"""What the pledges API reads and writes about pledges. Types are checked here; rules in the
domain."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from services.pledges.domain import REASON_MAX, PledgeStatus
from shared.referrals import SOURCE_MAX
from shared.web.fields import MAX_OFFSET, Text, page_offset

#: Longest accepted `Idempotency-Key`; a UUID (36) or a ULID (26) fits many times over.
IDEMPOTENCY_KEY_MAX = 255


class PledgeIn(ma.Schema):
    amount = ma.fields.Integer(
        strict=True,
        required=True,
        metadata={"description": "Minor units of the campaign's currency"},
    )
    tier_id = ma.fields.UUID(load_default=None, allow_none=True)
    currency = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Optional; if given, must be the campaign's currency"},
    )
    source = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Optional: where the backer came from, a share tag (`whatsapp`, "
            "`newsletter`) or the referring site's host name (never a URL); letters, digits, "
            f"`.`, `-`, `_`, at most {SOURCE_MAX} characters, lower-cased. Kept by a new pledge "
            "only: pledging again keeps the first source"
        },
    )


class PledgeHeaders(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=[
            ma.validate.Length(min=1, max=IDEMPOTENCY_KEY_MAX),
            ma.validate.Regexp(r"^[\x21-\x7e]+$", error="must be printable ASCII, no spaces"),
        ],
        metadata={
            "description": "Any unique string (a UUID is best). A retry with the same key and "
            "body returns the first answer and pledges nothing more; the same key with another "
            "body is refused (422). Keys are per account."
        },
    )


class PledgeEdit(ma.Schema):
    """New amount and/or tier; `tier_id: null` drops the tier, leaving it out keeps it."""

    amount = ma.fields.Integer(strict=True)
    tier_id = ma.fields.UUID(allow_none=True)

    @ma.validates_schema
    def _something_to_change(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ma.ValidationError("give amount, tier_id or both", "_schema")


class RefundIn(ma.Schema):
    amount = ma.fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        metadata={"description": "Minor units to return; leave out to refund all that is left"},
    )
    reason = Text(
        required=True,
        max_length=REASON_MAX,
        multiline=True,
        metadata={"description": f"Why, at most {REASON_MAX} characters"},
    )


class PledgeOut(ma.Schema):
    """A pledge as its backer and the campaign's creator see it; never public."""

    id = ma.fields.UUID()
    campaign_id = ma.fields.UUID()
    backer_id = ma.fields.UUID(metadata={"description": "The backer's opaque account id"})
    status = ma.fields.String(
        metadata={
            "description": "pledged, collecting, collected, payment_failed, dropped, released, "
            "cancelled or refunded"
        }
    )
    amount = ma.fields.Integer()
    currency = ma.fields.String()
    tier_id = ma.fields.UUID(allow_none=True)
    refunded_amount = ma.fields.Integer()
    payment_status = ma.fields.String(
        metadata={
            "description": "Where the backer's money stands: none, card_saved, collecting, "
            "paid, payment_failed, dropped or refunded"
        }
    )
    payment_retry_until = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "When the payment failed: until when the backer may fix it before "
            "the pledge drops (UTC); otherwise null"
        },
    )
    payment_failure_reason = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "When the payment failed or the pledge dropped: the payment "
            "provider's short code for why (`card_declined`, `insufficient_funds`, "
            "`expired_card`, `authentication_required`, ...; never a card detail); "
            "otherwise null"
        },
    )
    dropped_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When the pledge dropped (UTC); null unless dropped"},
    )
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class PledgeList(ma.Schema):
    pledges = ma.fields.List(ma.fields.Nested(PledgeOut))


class CampaignPledgeOut(PledgeOut):
    """A pledge as the campaign's creator sees it in the list of its pledges."""

    backer_name = ma.fields.String(
        allow_none=True,
        metadata={"description": "The backer's display name; their e-mail is never shown"},
    )


class CampaignPledgeList(ma.Schema):
    pledges = ma.fields.List(ma.fields.Nested(CampaignPledgeOut))


class PageQuery(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    offset = page_offset(metadata={"description": f"Pledges to skip, at most {MAX_OFFSET}"})


class CampaignPledgesQuery(PageQuery):
    status = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf([s.value for s in PledgeStatus])),
        load_default=list,
        validate=ma.validate.Length(max=len(PledgeStatus)),
        metadata={
            "description": "Only pledges in these states (repeat the parameter for several: "
            "`?status=payment_failed&status=dropped`); every state if absent"
        },
    )


class UnpaidTotal(ma.Schema):
    pledges = ma.fields.Integer()
    amount = ma.fields.Integer(metadata={"description": "Their sum, in minor units"})


class UnpaidPledgesOut(ma.Schema):
    """What settlement's charges left unpaid, for the campaign's creator."""

    currency = ma.fields.String()
    payment_failed = ma.fields.Nested(
        UnpaidTotal,
        metadata={
            "description": "Pledges whose payment failed: still owed while their backers may "
            "fix it (each pledge's `payment_retry_until`)"
        },
    )
    dropped = ma.fields.Nested(
        UnpaidTotal,
        metadata={"description": "Pledges dropped when that time ran out: no longer owed"},
    )


class MyPledgesQuery(PageQuery):
    campaign_id = ma.fields.UUID(
        load_default=None,
        metadata={"description": "Only the caller's pledges on this campaign"},
    )


class SourceTotalOut(ma.Schema):
    source = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "A share tag (`whatsapp`) or a referring site's host; null for "
            "pledges made without either (a direct visit)"
        },
    )
    pledges = ma.fields.Integer(metadata={"description": "Pledges from it that still stand"})
    amount = ma.fields.Integer(metadata={"description": "Their sum net of refunds, minor units"})


class ReferralsOut(ma.Schema):
    """Where a campaign's backers came from, for its creator: counts and sums, never who.

    Pledges that still stand count: pledged, collecting, collected, payment_failed (still
    fixable) and refunded (net of the refunds; wholly refunded ones not at all). Cancelled,
    released and dropped pledges do not."""

    currency = ma.fields.String()
    sources = ma.fields.List(
        ma.fields.Nested(SourceTotalOut),
        metadata={"description": "The largest amount first"},
    )
