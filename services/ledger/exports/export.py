"""One export from request to bytes: what it covers (a signed checkpoint), its name, its chunks.

The HTTP routes and `fundtrail export` both go through :func:`prepare_export` and
:meth:`PreparedExport.chunks`, so the same request gives the same bytes either way.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from services.ledger import queries
from services.ledger.adapters.journal import stream_leaves
from services.ledger.exports.beancount_format import beancount_export, preamble
from services.ledger.exports.csv_format import csv_export
from services.ledger.exports.entries import PUBLIC, Audience, DateRange, ExportEntry
from services.ledger.exports.reading import stream_entries
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.money import currency_exponent


@dataclass(frozen=True)
class ExportFormat:
    name: str
    media_type: str
    extension: str
    #: Whether `from=`/`to=` apply: the JSONL export is the log's leaves, verifiable only whole.
    takes_dates: bool = True


CSV = ExportFormat("csv", "text/csv; charset=utf-8", "csv")
BEANCOUNT = ExportFormat("beancount", "text/plain; charset=utf-8", "beancount")
JSONL = ExportFormat("jsonl", "application/jsonl; charset=utf-8", "jsonl", takes_dates=False)
FORMATS = {f.name: f for f in (CSV, BEANCOUNT, JSONL)}

#: Called with how many entries have been read so far (for a progress bar).
Progress = Callable[[int], None]


def auditor_audience(public_url: str, campaign_id: uuid.UUID) -> Audience:
    """What an auditor's export adds: backer ids, and links to the receipt download route."""
    prefix = f"{public_url}/api/v1/campaigns/{campaign_id}/receipts/"
    return Audience(backers=True, receipt_url_prefix=prefix)


@dataclass(frozen=True)
class PreparedExport:
    """An export whose scope is fixed: the entries of one signed checkpoint of one campaign."""

    campaign_id: uuid.UUID
    format: ExportFormat
    dates: DateRange
    audience: Audience
    #: The checkpoint's tree size: the export covers entries 0 … tree_size-1.
    tree_size: int
    root_hash: bytes
    title: str
    currency: str
    #: Every ledger account of the campaign (for beancount's `open` directives).
    accounts: tuple[str, ...]

    @property
    def filename(self) -> str:
        parts = [f"campaign-{self.campaign_id}-{self.tree_size}"]
        if self.dates.start is not None:
            parts.append(f"from-{self.dates.start.isoformat()}")
        if self.dates.end is not None:
            parts.append(f"to-{self.dates.end.isoformat()}")
        return "-".join(parts) + "." + self.format.extension

    def chunks(self, engine: Engine, progress: Progress | None = None) -> Iterator[bytes]:
        """The export's bytes, in chunks, read page by page: memory stays flat at any size."""
        if self.format is JSONL:
            yield from _jsonl(engine, self, progress)
            return
        entries: Iterable[ExportEntry] = stream_entries(
            engine, self.campaign_id, self.tree_size, backers=self.audience.backers
        )
        if progress is not None:
            entries = _counted(entries, progress)
        exponent = currency_exponent(self.currency)
        texts: Iterator[str]
        if self.format is CSV:
            texts = csv_export(entries, exponent, self.dates, self.audience)
        else:
            head = preamble(
                title=self.title,
                currency=self.currency,
                accounts=self.accounts,
                campaign_id=self.campaign_id,
                tree_size=self.tree_size,
                root_hash=base64.b64encode(self.root_hash).decode(),
            )
            texts = beancount_export(entries, exponent, head, self.dates, self.audience)
        for text in texts:
            yield text.encode("utf-8")


def prepare_export(
    uow: LedgerUnitOfWork,
    campaign_id: uuid.UUID,
    export_format: ExportFormat,
    dates: DateRange | None = None,
    audience: Audience = PUBLIC,
    tree_size: int | None = None,
) -> PreparedExport:
    """Fix an export's scope: the latest checkpoint (or the published one of `tree_size`).

    Raises the read side's NotFound for an unknown or draft campaign, or an unpublished size.
    """
    dates = dates or DateRange()
    if not export_format.takes_dates and not dates.is_everything:
        raise ValueError(f"the {export_format.name} export takes no dates")
    scope = queries.export_scope(uow, campaign_id, tree_size)
    campaign: dict[str, Any] = scope.campaign
    return PreparedExport(
        campaign_id=campaign_id,
        format=export_format,
        dates=dates,
        audience=audience,
        tree_size=scope.checkpoint.tree_size,
        root_hash=scope.checkpoint.root_hash,
        title=campaign["title"],
        currency=campaign["currency"],
        accounts=scope.accounts,
    )


def _jsonl(engine: Engine, export: PreparedExport, progress: Progress | None) -> Iterator[bytes]:
    for count, leaf in enumerate(stream_leaves(engine, export.campaign_id, export.tree_size), 1):
        yield leaf + b"\n"
        if progress is not None and count % 1000 == 0:
            progress(count)
    if progress is not None:
        progress(export.tree_size)


def _counted(entries: Iterable[ExportEntry], progress: Progress) -> Iterator[ExportEntry]:
    count = 0
    for entry in entries:
        yield entry
        count += 1
        if count % 1000 == 0:
            progress(count)
    progress(count)
