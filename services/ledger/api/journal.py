"""The journal over HTTP: entries, expenses with receipts, reversals, the balance, receipts."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import asdict
from typing import Any

import flask

from services.ledger import commands, handlers
from services.ledger.adapters.journal import StoredEntry
from services.ledger.api.blueprint import MULTIPART, LedgerBlueprint, ledger, unit_of_work
from services.ledger.api.schemas import (
    BalanceSchema,
    CampaignSchema,
    EntriesQuery,
    EntryPageSchema,
    EntrySchema,
    ExpenseForm,
    ReverseIn,
)
from services.ledger.domain.accounts_chart import balance_from
from services.ledger.receipts import EXTENSIONS, sniff
from shared.web.auth import current_principal
from shared.web.problems import Problem

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
    with unit_of_work() as uow:
        return _campaign(uow, campaign_id)


@blp.get("/campaigns/<uuid:campaign_id>/entries")
@blp.arguments(EntriesQuery, location="query")
@blp.response(200, EntryPageSchema)
@blp.problem(404, "No such campaign")
def list_entries(query: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """The journal's entries in seq order, a page at a time."""
    with unit_of_work() as uow:
        if uow.journals.size(campaign_id) is None:
            raise Problem(404, f"The ledger has no campaign {campaign_id}.")
        rows = uow.journals.page(campaign_id, query["after_seq"], query["limit"])
    entries = [_entry_json(data, leaf_hash) for data, leaf_hash in rows]
    full_page = len(entries) == query["limit"]
    return {"entries": entries, "next_after_seq": entries[-1]["seq"] if full_page else None}


@blp.post("/campaigns/<uuid:campaign_id>/expenses")
@blp.authenticated("creator")
@blp.arguments(ExpenseForm, location=MULTIPART)
@blp.response(201, EntrySchema)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(409, "More than the available funds")
@blp.problem(413, "The receipt is too large")
def record_expense(form: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """Record money spent, with its receipt (PDF, PNG or JPEG, recognised by content)."""
    limit = ledger().settings.receipt_max_bytes
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
    )
    stored = handlers.record_expense(command, unit_of_work(), ledger().receipts, limit)
    return _stored_json(stored)


@blp.post("/campaigns/<uuid:campaign_id>/entries/<int:seq>/reverse")
@blp.authenticated("creator")
@blp.arguments(ReverseIn)
@blp.response(201, EntrySchema)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such campaign or entry")
@blp.problem(409, "Already reversed, or the funds are no longer there")
def reverse_entry(body: dict[str, Any], campaign_id: uuid.UUID, seq: int) -> dict[str, Any]:
    """Append a reversal of entry `seq`; the original stays in the log."""
    command = commands.ReverseEntry(
        campaign_id=campaign_id,
        seq=seq,
        reason=body["reason"],
        recorded_by=current_principal().account_id,
    )
    return _stored_json(handlers.reverse_entry(command, unit_of_work()))


@blp.get("/campaigns/<uuid:campaign_id>/balance")
@blp.response(200, BalanceSchema)
@blp.problem(404, "No such campaign")
def get_balance(campaign_id: uuid.UUID) -> dict[str, Any]:
    """Raised, refunded, spent and available, and spending by category against the budget."""
    with unit_of_work() as uow:
        campaign = _campaign(uow, campaign_id)
        balances = uow.journals.balances(campaign_id)
    budget = {line["category"]: line["amount"] for line in campaign["budget"]}
    balance = balance_from(balances, campaign["currency"], budget)
    return {**asdict(balance), "by_category": [line._asdict() for line in balance.by_category]}


@blp.get("/campaigns/<uuid:campaign_id>/receipts/<string:sha256>")
@blp.authenticated()
@blp.response(200, description="The receipt file", content_type="application/octet-stream")
@blp.problem(403, "Only the campaign's creator and auditors see receipts")
@blp.problem(404, "No expense of this campaign has that receipt")
def get_receipt(campaign_id: uuid.UUID, sha256: str) -> flask.Response:
    """A receipt file (it may hold personal data); its SHA-256 is public in the log."""
    principal = current_principal()
    with unit_of_work() as uow:
        campaign = _campaign(uow, campaign_id)
        allowed = principal.role == "auditor" or (
            principal.role == "creator" and principal.account_id == campaign["creator_id"]
        )
        if not allowed:
            raise Problem(403, "Only the campaign's creator and auditors may fetch receipts.")
        held = uow.journals.holds_receipt(campaign_id, sha256.lower())
    content = ledger().receipts.get(sha256.lower()) if held else None
    if content is None:
        raise Problem(404, f"No expense of campaign {campaign_id} has receipt {sha256}.")
    media_type = sniff(content) or "application/octet-stream"
    name = f"receipt-{sha256.lower()}.{EXTENSIONS.get(media_type, 'bin')}"
    response = flask.Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(sha256.lower())
    return response


def _campaign(uow: Any, campaign_id: uuid.UUID) -> dict[str, Any]:
    campaign: dict[str, Any] | None = uow.campaigns.get(campaign_id)
    if campaign is None:
        raise Problem(404, f"The ledger has no campaign {campaign_id}.")
    return campaign


def _entry_json(leaf_data: bytes, leaf_hash: bytes) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(leaf_data)
    entry["leaf_hash"] = base64.b64encode(leaf_hash).decode()
    return entry


def _stored_json(stored: StoredEntry) -> dict[str, Any]:
    return _entry_json(stored.leaf_data, stored.leaf_hash)
