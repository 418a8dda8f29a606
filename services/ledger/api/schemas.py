"""What the ledger's JSON API takes and gives, as marshmallow schemas (and so in the OpenAPI)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from services.ledger.domain.entries import EntryKind
from services.ledger.domain.rules import CATEGORY_MAX, DESCRIPTION_MAX, REASON_MAX, VENDOR_MAX
from shared.money import MAX_AMOUNT
from shared.web.fields import MAX_LOG_POSITION, Day, Text, bounded_int

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
    kind = ma.fields.String(metadata={"enum": [kind.value for kind in EntryKind]})
    amount = ma.fields.Integer()
    currency = ma.fields.String()
    category = ma.fields.String(
        allow_none=True, metadata={"description": "An expense's category; a fee's kind"}
    )
    memo = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "An expense's description, a reversal's reason, a dispute's reason"
            " code (the payment provider's, e.g. fraudulent)"
        },
    )
    vendor = ma.fields.String(allow_none=True)
    incurred_on = ma.fields.String(allow_none=True, metadata={"format": "date"})
    receipt_sha256 = ma.fields.String(allow_none=True)
    receipt_reuse_reason = ma.fields.String(
        metadata={
            "description": "Only on an expense whose receipt also backs another expense in "
            "force: the creator's reason (absent otherwise, as in the leaf)"
        }
    )
    provider_reference = ma.fields.String(
        metadata={
            "description": "Only on fee, dispute and dispute_reversal entries: the payment "
            "provider's id of the charge (fees) or of the dispute, to reconcile with its records"
        }
    )
    provider_event_id = ma.fields.String(
        metadata={
            "description": "Only on fee, dispute and dispute_reversal entries: the payment "
            "provider's event that reported it"
        }
    )
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


class ExpenseSchema(EntrySchema):
    """An expense, or a reversal in an expense's chain, with where it stands now."""

    in_force = ma.fields.Boolean(
        metadata={
            "description": "It counts: never reversed, or re-instated (its chain of reversals "
            "has even length)"
        }
    )
    reversible = ma.fields.Boolean(
        metadata={
            "description": "The campaign's creator may reverse it now: the latest link of its "
            "chain, and (for a reversal, which would re-instate an expense) the money is there"
        }
    )
    reversed_by = ma.fields.Integer(
        allow_none=True, metadata={"description": "The seq of its reversal; null if none"}
    )


class ExpensePageSchema(ma.Schema):
    expenses = ma.fields.List(ma.fields.Nested(ExpenseSchema))
    next_after_seq = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Pass as after_seq for the next page; null at the end"},
    )


class EntriesQuery(ma.Schema):
    after_seq = bounded_int(
        -1,
        MAX_LOG_POSITION,
        load_default=-1,
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
    category = Text(required=True, max_length=CATEGORY_MAX)
    description = Text(required=True, max_length=DESCRIPTION_MAX, multiline=True)
    vendor = Text(required=True, max_length=VENDOR_MAX)
    incurred_on = Day(required=True)
    receipt = Upload(
        required=True, validate=_is_file, metadata={"description": "PDF, PNG or JPEG file"}
    )
    receipt_reuse_reason = Text(
        load_default=None,
        max_length=REASON_MAX,
        multiline=True,
        blank=True,
        metadata={
            "description": "Why this receipt may back this expense although it already backs "
            "another expense in force (without it, that is refused with 409). Public: it goes "
            "into the entry. Left out or blank: none."
        },
    )

    @ma.post_load
    def _blank_reason_is_none(self, data: dict[str, object], **_: object) -> dict[str, object]:
        # An HTML form sends an empty field for a reason left blank: that is no reason.
        reason = data.get("receipt_reuse_reason")
        if isinstance(reason, str) and not reason.strip():
            data["receipt_reuse_reason"] = None
        return data


class ReverseIn(ma.Schema):
    reason = Text(required=True, max_length=REASON_MAX, multiline=True)


class CategorySchema(ma.Schema):
    category = ma.fields.String()
    budget = ma.fields.Integer(allow_none=True, metadata={"description": "null: not budgeted"})
    spent = ma.fields.Integer()


class BalanceSchema(ma.Schema):
    """A campaign's money in minor units: `net = raised - refunded - fees - disputed` and
    `available - shortfall = net - spent`."""

    currency = ma.fields.String()
    raised = ma.fields.Integer(metadata={"description": "Pledges collected, gross of fees"})
    refunded = ma.fields.Integer(metadata={"description": "Given back to backers"})
    fees = ma.fields.Integer(
        metadata={"description": "Processing and platform fees the payment provider took"}
    )
    disputed = ma.fields.Integer(
        metadata={
            "description": "Held back by card disputes and not returned: disputes still open,"
            " and lost ones (a won dispute's money is back in the funds)"
        }
    )
    net = ma.fields.Integer(
        metadata={"description": "What the campaign kept: raised - refunded - fees - disputed"}
    )
    spent = ma.fields.Integer(metadata={"description": "Expenses, net of reversed ones"})
    available = ma.fields.Integer(
        metadata={"description": "Held and free to spend; never negative"}
    )
    shortfall = ma.fields.Integer(
        metadata={
            "description": "What refunds, fees or disputes reported after the money was spent"
            " left the campaign short of (spent - net, when positive; else 0): the creator owes"
            " it to the campaign, and money coming in covers it before any can be spent"
        }
    )
    by_category = ma.fields.List(ma.fields.Nested(CategorySchema))
    can_log_expenses = ma.fields.Boolean(
        metadata={
            "description": "Whether the creator may record an expense now (money is available;"
            " the ledger refuses expenses beyond it)"
        }
    )


class TextLimitsSchema(ma.Schema):
    category = ma.fields.Integer()
    description = ma.fields.Integer()
    vendor = ma.fields.Integer()
    reason = ma.fields.Integer(metadata={"description": "A reversal's reason"})


class LimitsSchema(ma.Schema):
    """What the ledger accepts, as it enforces it."""

    receipt_max_bytes = ma.fields.Integer(metadata={"description": "The largest receipt file"})
    receipt_types = ma.fields.List(
        ma.fields.String(), metadata={"description": "Media types of receipts, by content"}
    )
    receipt_max_pixels = ma.fields.Integer(
        metadata={"description": "Width × height of the largest receipt image"}
    )
    text_max_lengths = ma.fields.Nested(
        TextLimitsSchema, metadata={"description": "Characters of each text field, at most"}
    )


class InclusionQuery(ma.Schema):
    seq = bounded_int(0, MAX_LOG_POSITION, required=True)
    tree_size = bounded_int(
        1,
        MAX_LOG_POSITION,
        load_default=None,
        metadata={"description": "Default: the latest checkpoint's tree size"},
    )


class InclusionSchema(ma.Schema):
    leaf_index = ma.fields.Integer()
    tree_size = ma.fields.Integer()
    hashes = ma.fields.List(ma.fields.String(), metadata={"description": "base64, leaf side first"})


class ConsistencyQuery(ma.Schema):
    from_ = bounded_int(0, MAX_LOG_POSITION, data_key="from", required=True)
    to = bounded_int(0, MAX_LOG_POSITION, required=True)


class ConsistencySchema(ma.Schema):
    from_ = ma.fields.Integer(data_key="from")
    to = ma.fields.Integer()
    hashes = ma.fields.List(ma.fields.String(), metadata={"description": "base64"})


class ExportQuery(ma.Schema):
    tree_size = bounded_int(
        0,
        MAX_LOG_POSITION,
        load_default=None,
        metadata={"description": "A published checkpoint's size (default: the latest)"},
    )


class ReceiptCopyForm(ma.Schema):
    """The multipart body publishing a copy of an expense's receipt for its backers."""

    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["original", "redacted"]),
        metadata={
            "description": "`original`: the receipt holds no personal data, show it as it is "
            "(its pixels: no metadata); `redacted`: show the file uploaded as `copy` instead"
        },
    )
    copy = Upload(
        load_default=None,
        validate=_is_file,
        metadata={"description": "The redacted copy (PDF, PNG or JPEG), with `kind` redacted"},
    )


class ReceiptCopySchema(ma.Schema):
    """A receipt's public copy: which expense and original receipt it stands for, by whom."""

    id = ma.fields.UUID()
    seq = ma.fields.Integer(metadata={"description": "The expense it was published from"})
    receipt_sha256 = ma.fields.String(
        metadata={"description": "The original receipt's SHA-256, as the entry holds it"}
    )
    kind = ma.fields.String(metadata={"enum": ["original", "redacted"]})
    sha256 = ma.fields.String(metadata={"description": "SHA-256 of the copy's own bytes"})
    media_type = ma.fields.String()
    pages = ma.fields.Integer()
    published_by = ma.fields.UUID()
    published_at = ma.fields.AwareDateTime()
    viewable = ma.fields.Boolean(
        metadata={"description": "Whether the caller may open it (backers, creator, auditors)"}
    )


class ReceiptCopyListSchema(ma.Schema):
    copies = ma.fields.List(ma.fields.Nested(ReceiptCopySchema))
    viewable = ma.fields.Boolean(
        metadata={"description": "Whether the caller may open this campaign's copies"}
    )
