"""The ledger's handlers: one per event it consumes and per command it takes, each one unit of work.

Event handlers run inside the unit of work the consumer opened (and commits after recording the
event id, so a redelivered event is skipped); command handlers open and commit their own.
"""

from __future__ import annotations

import hashlib
import uuid

from services.ledger import checkpoint_publishing, commands
from services.ledger.adapters.journal import StoredEntry
from services.ledger.adapters.receipts import ReceiptStore
from services.ledger.domain import (
    InvalidValue,
    Journal,
    NotCampaignCreator,
    NotFound,
    UnknownEntry,
    receipt_copies,
    report_rules,
)
from services.ledger.domain.cover import CoverPicture
from services.ledger.domain.receipt_copies import ReceiptCopy
from services.ledger.receipt_copy_files import make_copy
from services.ledger.receipt_files import accept_receipt
from services.ledger.signing import LogSigning
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.clock import Clock, utc_now
from shared.events.catalog import (
    CampaignCoverChanged,
    CampaignEvent,
    CampaignSettled,
    DisputeClosed,
    DisputeOpened,
    EntryAppended,
    FeeCharged,
    PledgeCollected,
    PledgeRefunded,
)


class UnknownCampaign(NotFound):
    """The ledger has heard of no campaign with that id."""


# --- events ------------------------------------------------------------------------------------


def on_campaign_event(
    event: CampaignEvent, uow: LedgerUnitOfWork, log_signing: LogSigning, clock: Clock
) -> None:
    """Any `campaign.*` event: keep the read model current; a new campaign gets its journal,
    and its log begins with a signed checkpoint of the empty tree, so every known campaign has
    a checkpoint to serve."""
    if uow.campaigns.record(event):
        # A journal kept from earlier in the batch holds the campaign's old budget.
        uow.journals.evict(event.campaign_id)
    now = clock()
    if uow.campaigns.open_journal(event.campaign_id, now=now):
        checkpoint_publishing.publish_checkpoint(uow, log_signing, event.campaign_id, 0, now)
    if isinstance(event, CampaignSettled):
        # Only noted here: the worker renders it later, with no transaction held (see
        # report_publishing.py), once the books hold the collections that follow this event.
        due = report_rules.settlement_due(event.status, event.backers_count, now)
        if due is not None:
            uow.reports.owe(event.campaign_id, due)


def on_pledge_collected(event: PledgeCollected, uow: LedgerUnitOfWork, clock: Clock) -> None:
    journal = _journal(uow, event.campaign_id, [event.pledge_id])
    journal.record_contribution(
        event.pledge_id,
        event.amount,
        event.currency,
        event.event_id,
        occurred_at=event.occurred_at,
        recorded_at=clock(),
    )
    _save(uow, journal)
    # Beside the journal, never in it: the public log names no backer; auditors' exports do.
    uow.journals.record_backer(event.campaign_id, event.pledge_id, event.backer_id, clock())


def on_pledge_refunded(event: PledgeRefunded, uow: LedgerUnitOfWork, clock: Clock) -> None:
    """`amount` is what this refund returns (not the pledge's running total)."""
    journal = _journal(uow, event.campaign_id, [event.pledge_id])
    journal.record_refund(
        event.pledge_id,
        event.amount,
        event.currency,
        event.event_id,
        occurred_at=event.occurred_at,
        recorded_at=clock(),
    )
    _save(uow, journal)


def on_fee_charged(event: FeeCharged, uow: LedgerUnitOfWork, clock: Clock) -> None:
    """A processing or platform fee taken from a collected pledge; once per fee kind and
    provider reference, however often the provider reports it."""
    journal = _journal(uow, event.campaign_id, [event.pledge_id])
    uow.journals.load_fee(journal, event.fee_kind, event.payment_reference)
    journal.record_fee(
        event.pledge_id,
        event.fee_kind,
        event.amount,
        event.currency,
        event.payment_reference,
        event.provider_event_id,
        event.event_id,
        occurred_at=event.occurred_at,
        recorded_at=clock(),
    )
    uow.journals.save(journal)


def on_dispute_opened(event: DisputeOpened, uow: LedgerUnitOfWork, clock: Clock) -> None:
    """A card dispute held a pledge's money back; once per provider dispute id."""
    journal = _journal(uow, event.campaign_id, [event.pledge_id])
    uow.journals.load_dispute(journal, event.dispute_reference)
    journal.open_dispute(
        event.pledge_id,
        event.dispute_reference,
        event.amount,
        event.currency,
        event.reason,
        event.provider_event_id,
        event.event_id,
        occurred_at=event.occurred_at,
        recorded_at=clock(),
    )
    uow.journals.save(journal)


def on_dispute_closed(event: DisputeClosed, uow: LedgerUnitOfWork, clock: Clock) -> None:
    """A dispute closed: won, its money comes back (an entry); lost, it is marked lost."""
    journal = _journal(uow, event.campaign_id, [event.pledge_id])
    uow.journals.load_dispute(journal, event.dispute_reference)
    journal.close_dispute(
        event.pledge_id,
        event.dispute_reference,
        event.amount,
        event.currency,
        event.outcome,
        event.provider_event_id,
        event.event_id,
        occurred_at=event.occurred_at,
        recorded_at=clock(),
    )
    uow.journals.save(journal)


def on_entry_appended(
    event: EntryAppended, uow: LedgerUnitOfWork, log_signing: LogSigning, clock: Clock
) -> None:
    """Our own announcement, heard back: publish a checkpoint when one is due. Only the worker
    signs checkpoints; readers get the latest one published."""
    checkpoint_publishing.checkpoint_if_due(uow, log_signing, event.campaign_id, event.seq, clock())
    # A month with activity owes its campaign a report at the month's end (noted once).
    uow.reports.owe(event.campaign_id, report_rules.monthly_due(event.recorded_at))


# --- commands ----------------------------------------------------------------------------------


def record_expense(
    command: commands.RecordExpense,
    uow: LedgerUnitOfWork,
    receipts: ReceiptStore,
    receipt_max_bytes: int,
    clock: Clock = utc_now,
) -> StoredEntry:
    """Append an expense with its receipt; refused whole (no file, no row) on any rule."""
    with uow:
        journal = _journal(uow, command.campaign_id)
        # Who asks is settled before what they sent is looked at.
        if command.recorded_by != journal.creator_id:
            raise NotCampaignCreator("only the campaign's creator keeps its books", "recorded_by")
        receipt = accept_receipt(command.receipt, receipt_max_bytes)
        uow.journals.load_receipt_uses(journal, receipt.sha256)
        journal.record_expense(
            amount=command.amount,
            currency=command.currency,
            category=command.category,
            description=command.description,
            vendor=command.vendor,
            incurred_on=command.incurred_on,
            receipt_sha256=receipt.sha256,
            recorded_by=command.recorded_by,
            recorded_at=clock(),
            receipt_reuse_reason=command.receipt_reuse_reason,
        )
        # Stored before the commit, so no entry ever names a file that isn't there; a rollback
        # after this leaves an unreferenced file, which nobody can fetch (see docs/ledger.md).
        receipts.put(receipt.content)
        stored = _save(uow, journal)
        uow.commit()
    return stored


def reverse_entry(
    command: commands.ReverseEntry, uow: LedgerUnitOfWork, clock: Clock = utc_now
) -> StoredEntry:
    with uow:
        journal = _journal(uow, command.campaign_id)
        if command.recorded_by != journal.creator_id:
            raise NotCampaignCreator("only the campaign's creator keeps its books", "recorded_by")
        original = uow.journals.entry(command.campaign_id, journal.check_seq(command.seq))
        if original is None:
            raise UnknownEntry(f"campaign has no entry {command.seq}", "seq")
        if original.pledge_id is not None:
            uow.journals.load_pledges(journal, [original.pledge_id])
        journal.record_reversal(original, command.reason, command.recorded_by, clock())
        stored = _save(uow, journal)
        uow.commit()
    return stored


def publish_receipt_copy(
    command: commands.PublishReceiptCopy,
    uow: LedgerUnitOfWork,
    receipts: ReceiptStore,
    receipt_max_bytes: int,
    clock: Clock = utc_now,
) -> ReceiptCopy:
    """Record a public copy of an expense's receipt, made from pixels; the entry (and its
    receipt's hash in the log) stays as it is. Refused whole, nothing written, on any rule."""
    with uow:
        journal = _journal(uow, command.campaign_id)
        entry = None
        if command.published_by == journal.creator_id:
            entry = uow.journals.entry(command.campaign_id, journal.check_seq(command.seq))
        expense = receipt_copies.check_may_publish(
            command.published_by, journal.creator_id, entry, command.seq
        )
        assert expense.receipt_sha256 is not None  # check_may_publish saw it
        kind = receipt_copies.CopyKind(command.kind)
        if kind is receipt_copies.CopyKind.REDACTED:
            if command.upload is None:
                raise InvalidValue("upload the redacted copy (a PDF, PNG or JPEG file)", "copy")
            source = command.upload
        else:
            original = receipts.get(expense.receipt_sha256)
            if original is None:
                raise NotFound(f"the receipt of entry {command.seq} is not kept here", "seq")
            source = original
        made = make_copy(source, receipt_max_bytes)
        copy = receipt_copies.ReceiptCopy(
            id=uuid.uuid4(),
            campaign_id=command.campaign_id,
            seq=expense.seq,
            receipt_sha256=expense.receipt_sha256,
            kind=kind,
            sha256=hashlib.sha256(made.content).hexdigest(),
            media_type=made.media_type,
            pages=made.pages,
            published_by=command.published_by,
            published_at=clock(),
        )
        uow.receipt_copies.add(copy, made.content, made.thumbnail)
        uow.commit()
    return copy


# --- internals ---------------------------------------------------------------------------------


def _journal(
    uow: LedgerUnitOfWork, campaign_id: uuid.UUID, pledge_ids: list[uuid.UUID] | None = None
) -> Journal:
    journal = uow.journals.lock(campaign_id, pledge_ids or ())
    if journal is None:
        raise UnknownCampaign(f"the ledger has no campaign {campaign_id}", "campaign_id")
    return journal


def _save(uow: LedgerUnitOfWork, journal: Journal) -> StoredEntry:
    """Store the journal's new entry; the unit of work announces it at commit."""
    return uow.journals.save(journal)[-1]


def on_cover_changed(event: CampaignCoverChanged, uow: LedgerUnitOfWork) -> None:
    """A new cover: its report-size rendition is kept for the reports made from now on
    (published reports keep the picture they were made with)."""
    cover = CoverPicture(event.sha256, event.report_jpeg, event.report_width, event.report_height)
    uow.covers.keep(event.campaign_id, cover, event.occurred_at)
