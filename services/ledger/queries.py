"""The ledger's read side: what the public, creators and auditors may see, decided once.

The JSON API, and the pages and reports to come, ask these functions; routes stay thin. Nothing
here writes: checkpoints are signed by the worker (checkpoint_publishing.py), never by a read.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from services.ledger.adapters.checkpoints import PublishedCheckpoint
from services.ledger.adapters.receipts import ReceiptStore
from services.ledger.domain import receipt_copies
from services.ledger.domain.accounts_chart import Balance, balance_from
from services.ledger.domain.entries import Entry, EntryKind
from services.ledger.domain.errors import NotAllowed, NotFound
from services.ledger.domain.receipt_copies import ReceiptCopy
from services.ledger.domain.reversals import undoes_an_expense
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.auth import Principal


class UnknownCampaign(NotFound):
    """The ledger has heard of no campaign with that id (or it is a draft, nobody's business)."""


class NoSuchCheckpoint(NotFound):
    """No checkpoint of that tree size was published."""


def public_campaign(uow: LedgerUnitOfWork, campaign_id: uuid.UUID) -> dict[str, Any]:
    """The campaign, if the public may see it: a draft is its creator's business (the pledges
    service shows it to them), so here it answers as if the ledger had never heard of it."""
    campaign = uow.campaigns.get(campaign_id)
    if campaign is None or campaign["status"] == "draft":
        raise UnknownCampaign(f"The ledger has no campaign {campaign_id}.")
    cover = uow.covers.get(campaign_id)
    # Named here, so a report kept for readers is made again when the cover changes.
    campaign["cover_sha256"] = None if cover is None else cover.sha256
    return campaign


def journal_size(uow: LedgerUnitOfWork, campaign_id: uuid.UUID) -> int:
    """How many entries the public campaign's journal holds."""
    public_campaign(uow, campaign_id)
    size = uow.journals.size(campaign_id)
    if size is None:
        raise UnknownCampaign(f"The ledger has no campaign {campaign_id}.")
    return size


def latest_checkpoint(uow: LedgerUnitOfWork, campaign_id: uuid.UUID) -> PublishedCheckpoint:
    """The newest checkpoint the worker signed; every journal starts with one of the empty tree."""
    public_campaign(uow, campaign_id)
    checkpoint = uow.checkpoints.latest(campaign_id)
    if checkpoint is None:
        raise UnknownCampaign(f"The ledger has no checkpoint of campaign {campaign_id} yet.")
    return checkpoint


def published_checkpoint(
    uow: LedgerUnitOfWork, campaign_id: uuid.UUID, tree_size: int
) -> PublishedCheckpoint:
    """A checkpoint published earlier, by its tree size."""
    public_campaign(uow, campaign_id)
    checkpoint = uow.checkpoints.at(campaign_id, tree_size)
    if checkpoint is None:
        raise NoSuchCheckpoint(
            f"No checkpoint of tree size {tree_size} was published for campaign {campaign_id}."
        )
    return checkpoint


def entries_page(
    uow: LedgerUnitOfWork, campaign_id: uuid.UUID, after_seq: int, limit: int
) -> dict[str, Any]:
    """A page of the journal's entries in seq order, each as its leaf data plus its leaf hash."""
    journal_size(uow, campaign_id)
    rows = uow.journals.page(campaign_id, after_seq, limit)
    entries = [entry_json(data, leaf_hash) for data, leaf_hash in rows]
    full_page = len(entries) == limit
    return {"entries": entries, "next_after_seq": entries[-1]["seq"] if full_page else None}


def expenses_page(
    uow: LedgerUnitOfWork, campaign_id: uuid.UUID, after_seq: int, limit: int
) -> dict[str, Any]:
    """A page of the expenses and the reversals in their chains, in seq order, each with what
    the journal's rules say of it now: ``in_force`` (it counts: not reversed, or re-instated),
    ``reversible`` (the creator may reverse it now) and ``reversed_by`` (its reversal's seq)."""
    journal_size(uow, campaign_id)
    journal = uow.journals.read(campaign_id)
    if journal is None:
        raise UnknownCampaign(f"The ledger has no campaign {campaign_id}.")
    kinds = (EntryKind.EXPENSE, EntryKind.REVERSAL)
    rows = uow.journals.page(campaign_id, after_seq, limit, kinds)
    listed, last_seq = [], None
    for leaf_data, leaf_hash in rows:
        entry = Entry.from_leaf(leaf_data)
        last_seq = entry.seq
        if not undoes_an_expense(entry):  # a reversal of pledge money, from before the rule
            continue
        listed.append(
            {
                **entry_json(leaf_data, leaf_hash),
                "in_force": journal.in_force(entry.seq),
                "reversible": journal.is_reversible(entry),
                "reversed_by": journal.reversed_by.get(entry.seq),
            }
        )
    # Paged by the rows read, so a page cut short by a skipped row is not taken for the end.
    return {"expenses": listed, "next_after_seq": last_seq if len(rows) == limit else None}


def entry_json(leaf_data: bytes, leaf_hash: bytes) -> dict[str, Any]:
    """An entry as readers see it: exactly its leaf's fields, and the leaf hash in base64."""
    entry: dict[str, Any] = json.loads(leaf_data)
    entry["leaf_hash"] = base64.b64encode(leaf_hash).decode()
    return entry


def balance(uow: LedgerUnitOfWork, campaign_id: uuid.UUID) -> Balance:
    """Raised, refunded, spent, available and any shortfall, with spending against the budget."""
    campaign = public_campaign(uow, campaign_id)
    budget = {line["category"]: line["amount"] for line in campaign["budget"]}
    return balance_from(uow.journals.balances(campaign_id), campaign["currency"], budget)


class ReceiptNotYours(NotAllowed):
    """Receipts may hold personal data: only the campaign's creator and auditors fetch them."""


class UnknownReceipt(NotFound):
    """No expense of the campaign has a receipt with that hash."""


def receipt(
    uow: LedgerUnitOfWork,
    receipts: ReceiptStore,
    reader: Principal,
    campaign_id: uuid.UUID,
    sha256: str,
) -> bytes:
    """The receipt file, for the campaign's creator and for auditors; its hash alone is public."""
    campaign = public_campaign(uow, campaign_id)
    is_creator = reader.role == "creator" and reader.account_id == campaign["creator_id"]
    if not (is_creator or reader.role == "auditor"):
        raise ReceiptNotYours("Only the campaign's creator and auditors may fetch receipts.")
    sha256 = sha256.lower()
    content = receipts.get(sha256) if uow.journals.holds_receipt(campaign_id, sha256) else None
    if content is None:
        raise UnknownReceipt(f"No expense of campaign {campaign_id} has receipt {sha256}.")
    return content


def _sees_copies(
    uow: LedgerUnitOfWork, reader: Principal | None, campaign_id: uuid.UUID, creator_id: object
) -> bool:
    if reader is None:
        return False
    is_creator = reader.role == "creator" and reader.account_id == creator_id
    is_backer = uow.receipt_copies.is_backer(campaign_id, reader.account_id)
    return receipt_copies.may_see_copy(role=reader.role, is_creator=is_creator, is_backer=is_backer)


def receipt_copy_list(
    uow: LedgerUnitOfWork, reader: Principal | None, campaign_id: uuid.UUID
) -> dict[str, Any]:
    """Which receipts have a public copy, and whether this reader may open them (`viewable`):
    that a copy exists is public, like the receipt's hash; the copy is for backers."""
    campaign = public_campaign(uow, campaign_id)
    viewable = _sees_copies(uow, reader, campaign_id, campaign["creator_id"])
    copies = [
        {**asdict(copy), "kind": copy.kind.value, "viewable": viewable}
        for copy in uow.receipt_copies.current(campaign_id)
    ]
    return {"copies": copies, "viewable": viewable}


def receipt_copy(
    uow: LedgerUnitOfWork,
    reader: Principal,
    campaign_id: uuid.UUID,
    receipt_sha256: str,
    *,
    thumbnail: bool,
) -> tuple[ReceiptCopy, bytes]:
    """The newest public copy of a receipt (or its thumbnail), for the campaign's backers, its
    creator and auditors."""
    campaign = public_campaign(uow, campaign_id)
    if not _sees_copies(uow, reader, campaign_id, campaign["creator_id"]):
        raise receipt_copies.CopyNotYours(
            "A receipt's public copy is shown to the campaign's backers, its creator and auditors."
        )
    receipt_sha256 = receipt_sha256.lower()
    copy = uow.receipt_copies.newest(campaign_id, receipt_sha256)
    content = uow.receipt_copies.file(campaign_id, receipt_sha256, thumbnail=thumbnail)
    if copy is None or content is None:
        raise receipt_copies.UnknownCopy(
            f"No copy of receipt {receipt_sha256} was published for campaign {campaign_id}."
        )
    return copy, content


@dataclass(frozen=True)
class ExportScope:
    """What an export of a public campaign covers: the entries of one signed checkpoint."""

    campaign: dict[str, Any]
    checkpoint: PublishedCheckpoint
    #: Every account the campaign's journal has posted to (a superset of the checkpoint's).
    accounts: tuple[str, ...]


def export_scope(
    uow: LedgerUnitOfWork, campaign_id: uuid.UUID, tree_size: int | None = None
) -> ExportScope:
    """The latest checkpoint (or the published one of `tree_size`): exports stop at a signed
    tree, like export.jsonl, so every row can be checked against it."""
    campaign = public_campaign(uow, campaign_id)
    if tree_size is None:
        checkpoint = latest_checkpoint(uow, campaign_id)
    else:
        checkpoint = published_checkpoint(uow, campaign_id, tree_size)
    accounts = tuple(sorted(uow.journals.balances(campaign_id)))
    return ExportScope(campaign, checkpoint, accounts)


def sees_backers(reader: Principal | None) -> bool:
    """Whether exports name backers (and link receipts) for this reader: auditors only."""
    return reader is not None and reader.role == "auditor"
