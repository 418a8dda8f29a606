"""The journal over HTTP: entries, expenses with receipts, reversals, the balance, receipts, and
the limits the ledger enforces."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

import flask

from services.ledger import commands, handlers, queries
from services.ledger.adapters.journal import StoredEntry
from services.ledger.api.blueprint import MULTIPART, LedgerBlueprint
from services.ledger.api.schemas import (
    BalanceSchema,
    CampaignSchema,
    EntriesQuery,
    EntryPageSchema,
    EntrySchema,
    ExpenseForm,
    ExpensePageSchema,
    LimitsSchema,
    ReverseIn,
)
from services.ledger.bootstrap import current_dependencies
from services.ledger.domain.rules import CATEGORY_MAX, DESCRIPTION_MAX, REASON_MAX, VENDOR_MAX
from services.ledger.receipt_files import EXTENSIONS, MAX_PIXELS, sniff
from shared.web.auth import current_principal

blp = LedgerBlueprint(
    "ledger journal",
    __name__,
    url_prefix="/api/v1",
    description="Campaign journals: entries, expenses, reversals, balances",
)


@blp.get("/campaigns/<uuid:campaign_id>")
@blp.response(200, CampaignSchema)
@blp.problem(404, "The ledger has not heard of this campaign")
def get_campaign(campaign_id: uuid.UUID) -> dict[str, Any]:
    """A campaign as the ledger's read model holds it."""
    with current_dependencies().uow_factory() as uow:
        return queries.public_campaign(uow, campaign_id)


@blp.get("/campaigns/<uuid:campaign_id>/entries")
@blp.arguments(EntriesQuery, location="query")
@blp.response(200, EntryPageSchema)
@blp.problem(404, "No such campaign")
def list_entries(query: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """The journal's entries in seq order, a page at a time."""
    with current_dependencies().uow_factory() as uow:
        return queries.entries_page(uow, campaign_id, query["after_seq"], query["limit"])


@blp.get("/campaigns/<uuid:campaign_id>/expenses")
@blp.arguments(EntriesQuery, location="query")
@blp.response(200, ExpensePageSchema)
@blp.problem(404, "No such campaign")
def list_expenses(query: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """The expenses and the reversals in their chains, in seq order, a page at a time, each
    saying whether it counts (`in_force`) and whether its creator may reverse it now
    (`reversible`): the journal's rules, so no client recomputes reversal chains."""
    with current_dependencies().uow_factory() as uow:
        return queries.expenses_page(uow, campaign_id, query["after_seq"], query["limit"])


@blp.post("/campaigns/<uuid:campaign_id>/expenses")
@blp.authenticated("creator")
@blp.arguments(ExpenseForm, location=MULTIPART)
@blp.response(201, EntrySchema)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(409, "More than the available funds, or the receipt backs another expense")
@blp.problem(413, "The receipt is too large")
def record_expense(form: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """Record money spent, with its receipt (PDF, PNG or JPEG, recognised by content)."""
    dependencies = current_dependencies()
    limit = dependencies.ledger_settings.receipt_max_bytes
    # One byte past the limit is enough to know it is too large, without reading it all.
    content = form["receipt"].stream.read(limit + 1)
    command = commands.RecordExpense(
        campaign_id=campaign_id,
        recorded_by=current_principal().account_id,
        amount=form["amount"],
        currency=form["currency"],
        category=form["category"],
        description=form["description"],
        vendor=form["vendor"],
        incurred_on=form["incurred_on"],
        receipt=content,
        receipt_reuse_reason=form["receipt_reuse_reason"],
    )
    stored = handlers.record_expense(
        command,
        dependencies.uow_factory(),
        dependencies.receipts,
        limit,
        dependencies.clock,
    )
    return _stored_json(stored)


@blp.post("/campaigns/<uuid:campaign_id>/entries/<int:seq>/reverse")
@blp.authenticated("creator")
@blp.arguments(ReverseIn)
@blp.response(201, EntrySchema)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such campaign or entry")
@blp.problem(
    409,
    "Not an expense or a reversal of one (pledge money changes only through pledge events),"
    " already reversed, or the funds are no longer there",
)
def reverse_entry(body: dict[str, Any], campaign_id: uuid.UUID, seq: int) -> dict[str, Any]:
    """Append a reversal of entry `seq`, an expense or a reversal of one; the original stays in
    the log. Contributions and refunds change only through pledge events: reversing one is 409."""
    dependencies = current_dependencies()
    command = commands.ReverseEntry(
        campaign_id=campaign_id,
        seq=seq,
        reason=body["reason"],
        recorded_by=current_principal().account_id,
    )
    return _stored_json(
        handlers.reverse_entry(command, dependencies.uow_factory(), dependencies.clock)
    )


@blp.get("/campaigns/<uuid:campaign_id>/balance")
@blp.response(200, BalanceSchema)
@blp.problem(404, "No such campaign")
def get_balance(campaign_id: uuid.UUID) -> dict[str, Any]:
    """Raised (gross), refunded, fees, disputed, net, spent, available and shortfall, and
    spending by category against the budget."""
    with current_dependencies().uow_factory() as uow:
        balance = queries.balance(uow, campaign_id)
    return {
        **asdict(balance),
        "net": balance.net,
        "by_category": [line._asdict() for line in balance.by_category],
        "can_log_expenses": balance.can_log_expenses,
    }


@blp.get("/limits")
@blp.response(200, LimitsSchema)
def get_limits() -> flask.Response:
    """What the ledger accepts in an expense, as it enforces it (its settings), so that forms
    can say so before anything is sent."""
    limits = {
        "receipt_max_bytes": current_dependencies().ledger_settings.receipt_max_bytes,
        "receipt_types": list(EXTENSIONS),
        "receipt_max_pixels": MAX_PIXELS,
        "text_max_lengths": {
            "category": CATEGORY_MAX,
            "description": DESCRIPTION_MAX,
            "vendor": VENDOR_MAX,
            "reason": REASON_MAX,
        },
    }
    response = flask.jsonify(LimitsSchema().dump(limits))
    # Settings change only with a restart: a client may keep them a few minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blp.get("/campaigns/<uuid:campaign_id>/receipts/<string:sha256>")
@blp.authenticated()
@blp.response(200, description="The receipt file", content_type="application/octet-stream")
@blp.problem(403, "Only the campaign's creator and auditors see receipts")
@blp.problem(404, "No expense of this campaign has that receipt")
def get_receipt(campaign_id: uuid.UUID, sha256: str) -> flask.Response:
    """A receipt file (it may hold personal data); its SHA-256 is public in the log."""
    dependencies = current_dependencies()
    with dependencies.uow_factory() as uow:
        content = queries.receipt(
            uow, dependencies.receipts, current_principal(), campaign_id, sha256
        )
    media_type = sniff(content) or "application/octet-stream"
    name = f"receipt-{sha256.lower()}.{EXTENSIONS.get(media_type, 'bin')}"
    response = flask.Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened in a browser anyway, the file runs no script and reaches no origin of ours.
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(sha256.lower())
    return response


def _stored_json(stored: StoredEntry) -> dict[str, Any]:
    return queries.entry_json(stored.leaf_data, stored.leaf_hash)
