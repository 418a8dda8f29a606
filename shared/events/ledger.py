"""Payloads on `ledger.events`: what the ledger announces about its journals and their logs."""

from typing import Any

import marshmallow as ma

from shared.events import fields
from shared.events.envelope import Payload, event_schema

ENTRY_KINDS = (
    "contribution",
    "refund",
    "expense",
    "reversal",
    "fee",
    "dispute",
    "dispute_reversal",
)


def _base64_hash(**kwargs: Any) -> ma.fields.String:
    """A SHA-256 in standard base64 (44 characters), as checkpoints and proofs write it."""
    return ma.fields.String(validate=ma.validate.Length(equal=44), **kwargs)


@event_schema("ledger.entry_appended")
class EntryAppended(Payload):
    """An entry was appended to a campaign's journal; `seq` is its leaf index in the log."""

    campaign_id = ma.fields.UUID(required=True)
    seq = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=0))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(ENTRY_KINDS))
    amount = fields.amount(required=True)
    currency = fields.currency(required=True)
    #: The expense category (also on reversals of expenses), a fee's kind, else null.
    category = ma.fields.String(required=True, allow_none=True)
    #: The seq a reversal undoes, else null.
    reverses_seq = ma.fields.Integer(strict=True, required=True, allow_none=True)
    occurred_at = ma.fields.AwareDateTime(required=True)
    recorded_at = ma.fields.AwareDateTime(required=True)
    #: RFC 6962 leaf hash, SHA-256(0x00 ‖ leaf data), base64.
    leaf_hash = _base64_hash(required=True)
    #: The entry's leaf data (its RFC 8785 canonical JSON), exactly the export line.
    leaf_data = ma.fields.String(required=True)


@event_schema("ledger.checkpoint_published")
class CheckpointPublished(Payload):
    """A new signed checkpoint of a campaign's log."""

    campaign_id = ma.fields.UUID(required=True)
    origin = ma.fields.String(required=True)
    tree_size = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=0))
    #: RFC 6962 root hash at `tree_size`, base64.
    root_hash = _base64_hash(required=True)
    #: The C2SP signed note, exactly as `GET /campaigns/{id}/checkpoint` serves it.
    note = ma.fields.String(required=True)


@event_schema("report.published")
class ReportPublished(Payload):
    """A public spending report was published (immutable from then on), with its figures."""

    campaign_id = ma.fields.UUID(required=True)
    report_id = ma.fields.UUID(required=True)
    tree_size = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=0))
    #: RFC 6962 root hash of the checkpoint the report was built from, base64.
    root_hash = _base64_hash(required=True)
    #: SHA-256 of the report's PDF, lower-case hex: its ETag, and what a reader checks.
    sha256 = ma.fields.String(
        required=True, validate=ma.validate.Regexp(r"^[0-9a-f]{64}$", error="not a SHA-256")
    )
    #: Absolute URL of the PDF.
    url = ma.fields.Url(required=True, require_tld=False)
    published_at = ma.fields.AwareDateTime(required=True)
    #: The report's totals, in minor units of `currency`, as of `tree_size`.
    currency = fields.currency(required=True)
    raised = fields.amount(required=True)
    refunded = fields.amount(required=True)
    spent = fields.amount(required=True)
    available = fields.amount(required=True)
    shortfall = fields.amount(required=True)
    #: Payment fees and money held by disputes (issue 15); 0 in reports made before them.
    fees = fields.amount(load_default=0)
    disputed = fields.amount(load_default=0)
    backers_count = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=0))
