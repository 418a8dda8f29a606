"""Payloads of campaign events on `pledges.events`.

Every campaign event carries the campaign's terms as they stand after it, so a consumer can keep
its own read model from any one of them without asking the pledges service.
"""

import base64
import binascii
from typing import Any

import marshmallow as ma

from shared.events import fields
from shared.events.envelope import Payload, event_schema
from shared.languages import DEFAULT_LANGUAGE, LANGUAGES

FUNDING_MODELS = ("all_or_nothing", "flexible")
CAMPAIGN_STATUSES = ("draft", "live", "succeeded", "failed", "cancelled")


class Tier(Payload):
    tier_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    min_amount = fields.amount(required=True)
    limit = ma.fields.Integer(strict=True, required=True, allow_none=True)
    #: What the backer gets, and the estimated delivery month ("YYYY-MM"). Added with issue 18:
    #: older events carry neither and read as no description and no month.
    description = ma.fields.String(load_default="")
    delivery_month = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="not a YYYY-MM month"),
    )


class BudgetLine(Payload):
    category = ma.fields.String(required=True)
    amount = fields.amount(required=True)


class CampaignSnapshot(Payload):
    campaign_id = ma.fields.UUID(required=True)
    creator_id = ma.fields.UUID(required=True)
    title = ma.fields.String(required=True)
    goal_amount = fields.amount(required=True)
    currency = fields.currency(required=True)
    deadline = ma.fields.AwareDateTime(required=True)
    funding_model = ma.fields.String(required=True, validate=ma.validate.OneOf(FUNDING_MODELS))
    #: The campaign's status after the event.
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(CAMPAIGN_STATUSES))
    tiers = ma.fields.List(ma.fields.Nested(Tier), required=True)
    budget = ma.fields.List(ma.fields.Nested(BudgetLine), required=True)
    #: No money moves for the campaign (record-only gateway). Added with payments (issue 15):
    #: events from before carry none and predate real money, so they read as test mode.
    test_mode = ma.fields.Boolean(load_default=True)
    #: What its automatic updates are written in. Added with issue 16: older events read as
    #: English, which every campaign then was.
    language = ma.fields.String(
        load_default=DEFAULT_LANGUAGE, validate=ma.validate.OneOf(LANGUAGES)
    )


@event_schema("campaign.created")
class CampaignCreated(CampaignSnapshot):
    """A creator drafted a campaign."""

    description = ma.fields.String(required=True)


@event_schema("campaign.updated")
class CampaignUpdated(CampaignSnapshot):
    """A creator edited a draft, or revised a launched campaign's story or tiers' words (its
    `status` then says live or succeeded); the whole new version, not a difference."""

    description = ma.fields.String(required=True)


@event_schema("campaign.launched")
class CampaignLaunched(CampaignSnapshot):
    """A draft went live."""


@event_schema("campaign.cancelled")
class CampaignCancelled(CampaignSnapshot):
    """The creator called the campaign off; its live pledges are released."""

    released_count = ma.fields.Integer(strict=True, required=True)


class CampaignSettled(CampaignSnapshot):
    pledged_amount = fields.amount(required=True)
    backers_count = ma.fields.Integer(strict=True, required=True)


@event_schema("campaign.succeeded")
class CampaignSucceeded(CampaignSettled):
    """The deadline passed and the pledges are being collected."""


@event_schema("campaign.failed")
class CampaignFailed(CampaignSettled):
    """An all-or-nothing campaign missed its goal; the pledges are being released."""


#: The largest report rendition an event may carry: a 640 px wide JPEG is 30–150 kB, and the
#: event, base64 and all, must stay well under Kafka's 1 MB message limit.
REPORT_JPEG_MAX_BYTES = 512 * 1024


class Base64Bytes(ma.fields.Field):
    """Bytes on the wire as standard base64 text."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else base64.b64encode(value).decode("ascii")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        if not isinstance(value, str):
            raise ma.ValidationError("not base64 text")
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ma.ValidationError("not base64 text") from None
        if len(decoded) > REPORT_JPEG_MAX_BYTES:
            raise ma.ValidationError(f"more than {REPORT_JPEG_MAX_BYTES} bytes")
        return decoded


@event_schema("campaign.cover_changed")
class CampaignCoverChanged(Payload):
    """The creator chose a new cover picture. It carries the report's rendition itself, so the
    ledger can show it without asking anyone (the services share no files)."""

    campaign_id = ma.fields.UUID(required=True)
    #: What names the picture (`shared/images.py`), and the widths it is published at.
    sha256 = ma.fields.String(
        required=True, validate=ma.validate.Regexp(r"^[0-9a-f]{64}$", error="not a SHA-256")
    )
    widths = ma.fields.List(ma.fields.Integer(strict=True), required=True)
    #: The rendition the spending report shows: a JPEG made from pixels only.
    report_jpeg = Base64Bytes(required=True)
    report_width = ma.fields.Integer(strict=True, required=True)
    report_height = ma.fields.Integer(strict=True, required=True)
