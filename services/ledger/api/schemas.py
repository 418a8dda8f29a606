"""What the ledger's JSON API takes and gives, as marshmallow schemas (and so in the OpenAPI)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from shared.money import MAX_AMOUNT

MAX_PAGE = 1000


class BudgetLineSchema(ma.Schema):
    category = ma.fields.String()
    amount = ma.fields.Integer()


class CampaignSchema(ma.Schema):
    id = ma.fields.UUID()
    creator_id = ma.fields.UUID()
    title = ma.fields.String()
    currency = ma.fields.String()
    goal_amount = ma.fields.Integer()
    funding_model = ma.fields.String()
    status = ma.fields.String()
    deadline = ma.fields.AwareDateTime()
    budget = ma.fields.List(ma.fields.Nested(BudgetLineSchema))


class PostingSchema(ma.Schema):
    account = ma.fields.String(metadata={"description": "e.g. assets:funds, expenses:printing"})
    amount = ma.fields.Integer(metadata={"description": "Minor units; debit +, credit −"})


class EntrySchema(ma.Schema):
    """An entry: its leaf's fields exactly as the leaf writes them, plus its leaf hash."""

    seq = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": ["contribution", "refund", "expense", "reversal"]})
    amount = ma.fields.Integer()
    currency = ma.fields.String()
    category = ma.fields.String(allow_none=True)
    memo = ma.fields.String(allow_none=True)
    vendor = ma.fields.String(allow_none=True)
    incurred_on = ma.fields.String(allow_none=True, metadata={"format": "date"})
    receipt_sha256 = ma.fields.String(allow_none=True)
    pledge_id = ma.fields.String(allow_none=True)
    reverses_seq = ma.fields.Integer(allow_none=True)
    event_id = ma.fields.String(allow_none=True)
    recorded_by = ma.fields.String(allow_none=True)
    occurred_at = ma.fields.String(metadata={"format": "date-time"})
    recorded_at = ma.fields.String(metadata={"format": "date-time"})
    postings = ma.fields.List(ma.fields.Nested(PostingSchema))
    leaf_hash = ma.fields.String(metadata={"description": "SHA-256(0x00 ‖ leaf data), base64"})


class EntryPageSchema(ma.Schema):
    entries = ma.fields.List(ma.fields.Nested(EntrySchema))
    next_after_seq = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Pass as after_seq for the next page; null at the end"},
    )


class EntriesQuery(ma.Schema):
    after_seq = ma.fields.Integer(
        load_default=-1,
        validate=ma.validate.Range(min=-1),
        metadata={"description": "Only entries with a greater seq (default: from the first)"},
    )
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=MAX_PAGE))


def _is_file(value: object) -> None:
    if not isinstance(value, FileStorage):
        raise ma.ValidationError("must be a file (multipart/form-data upload)")


class ExpenseForm(ma.Schema):
    """The multipart body of a new expense."""

    amount = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=1, max=MAX_AMOUNT),
        metadata={"description": "Minor units of the campaign's currency"},
    )
    currency = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    vendor = ma.fields.String(required=True)
    incurred_on = ma.fields.Date(required=True)
    receipt = Upload(
        required=True, validate=_is_file, metadata={"description": "PDF, PNG or JPEG file"}
    )


class ReverseIn(ma.Schema):
    reason = ma.fields.String(required=True)


class CategorySchema(ma.Schema):
    category = ma.fields.String()
    budget = ma.fields.Integer(allow_none=True, metadata={"description": "null: not budgeted"})
    spent = ma.fields.Integer()


class BalanceSchema(ma.Schema):
    currency = ma.fields.String()
    raised = ma.fields.Integer()
    refunded = ma.fields.Integer()
    spent = ma.fields.Integer()
    available = ma.fields.Integer()
    by_category = ma.fields.List(ma.fields.Nested(CategorySchema))


class InclusionQuery(ma.Schema):
    seq = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0))
    tree_size = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1),
        metadata={"description": "Default: the latest checkpoint's tree size"},
    )


class InclusionSchema(ma.Schema):
    leaf_index = ma.fields.Integer()
    tree_size = ma.fields.Integer()
    hashes = ma.fields.List(ma.fields.String(), metadata={"description": "base64, leaf side first"})


class ConsistencyQuery(ma.Schema):
    from_ = ma.fields.Integer(data_key="from", required=True, validate=ma.validate.Range(min=0))
    to = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0))


class ConsistencySchema(ma.Schema):
    from_ = ma.fields.Integer(data_key="from")
    to = ma.fields.Integer()
    hashes = ma.fields.List(ma.fields.String(), metadata={"description": "base64"})


class ExportQuery(ma.Schema):
    tree_size = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=0),
        metadata={"description": "A published checkpoint's size (default: the latest)"},
    )
