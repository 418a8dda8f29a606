"""Publishing public spending reports: on the creator's demand, at settlement, at each month's end.

A report is built from one signed checkpoint: the campaign, the checkpoint's leaves and the
log's key are read in one short transaction, the report is rendered with no transaction open
(it takes seconds, and on SQLite every transaction holds the database's write lock), and it is
stored, with its `report.published` event in the outbox, in a second short transaction. One
report exists per campaign and tree size: a publisher that finds one there already (published
earlier, or by a concurrent publisher while it rendered) answers with that one.

Automatic reports. The worker's consumer notes what is owed in `report_schedule`, in the batch's
transaction and without rendering (handlers.py): a settled campaign's report, and one per month
in which entries were appended. `publish_due`, run every few seconds by a thread of the ledger's
worker (see `LedgerDependencies.background_jobs`), publishes what has come due: the settlement
report once the books hold every collection (report_rules.is_ready), a month's report on the
first day of the next month, covering the entries appended before it. The worker signs the
checkpoint such a report needs; the API never signs.

Before any report is published, readers get one rendered at the latest checkpoint: made once
per campaign, checkpoint and campaign details, and kept on disk (reports/kept.py).

Built by the composition root (`LedgerDependencies.report_publisher`); nothing here imports it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.ledger import checkpoint_publishing, queries
from services.ledger.adapters.checkpoints import PublishedCheckpoint
from services.ledger.adapters.events import LEDGER_TOPIC, PRODUCER
from services.ledger.adapters.reports import OwedReport, StoredReport
from services.ledger.domain.report_rules import SETTLEMENT, Due, NotReportPublisher, is_ready
from services.ledger.reports.kept import HTML, PDF, KeptRenderings
from services.ledger.reports.rendering import RenderedReport, ReportSource
from services.ledger.signing import LogSigning
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.clock import Clock
from shared.events import Envelope, new_envelope
from shared.logging import get_logger

log = get_logger(__name__)

#: How often the worker looks for reports that have come due, in seconds.
PUBLISH_DUE_EVERY = 5.0


class Renderer(Protocol):
    """What publishing needs of the report renderer (services/ledger/reports)."""

    #: Part of what a rendering is made from, so part of a kept rendering's key.
    max_table_rows: int

    def render(self, source: ReportSource) -> RenderedReport: ...

    def render_html(self, source: ReportSource) -> str: ...


@dataclass(frozen=True)
class Publication:
    """A report as a publisher left it: `created` is False when it was there already."""

    report: StoredReport
    created: bool


@dataclass(frozen=True)
class ReportPublisher:
    """Publishes and previews reports; built from the ledger's composition root."""

    uow_factory: Callable[[], LedgerUnitOfWork]
    renderer: Renderer
    log_signing: LogSigning
    #: Absolute base URL of the ledger as readers reach it, without a trailing slash.
    public_url: str
    clock: Clock
    #: Renderings made for readers before a report is published.
    kept: KeptRenderings

    # --- on demand ------------------------------------------------------------------------------

    def publish(self, campaign_id: uuid.UUID, requested_by: uuid.UUID) -> Publication:
        """The creator's report at the latest signed checkpoint (the one there, if any)."""
        with self.uow_factory() as uow:
            campaign = queries.public_campaign(uow, campaign_id)
            if campaign["creator_id"] != requested_by:
                raise NotReportPublisher("Only the campaign's creator publishes its reports.")
            checkpoint = queries.latest_checkpoint(uow, campaign_id)
            existing = uow.reports.at(campaign_id, checkpoint.tree_size)
            if existing is not None:
                return Publication(existing, created=False)
            source = self._source(uow, campaign, checkpoint)
        return self._store(source, self.renderer.render(source))

    def preview_html(self, campaign_id: uuid.UUID) -> str:
        """The HTML report at the latest checkpoint (for a GET): made once, then kept on disk
        (never in the database) until the checkpoint or the campaign changes."""
        html = self._preview(
            campaign_id, HTML, lambda source: self.renderer.render_html(source).encode()
        )
        return html.decode("utf-8")

    def preview_pdf(self, campaign_id: uuid.UUID) -> bytes:
        """The PDF report at the latest checkpoint (for a GET): rendered once, then kept on
        disk (never in the database) until the checkpoint or the campaign changes."""
        return self._preview(campaign_id, PDF, lambda source: self.renderer.render(source).pdf)

    def _preview(
        self, campaign_id: uuid.UUID, form: str, render: Callable[[ReportSource], bytes]
    ) -> bytes:
        with self.uow_factory() as uow:
            campaign = queries.public_campaign(uow, campaign_id)
            checkpoint = queries.latest_checkpoint(uow, campaign_id)
            lost = _lost_disputes(uow, campaign_id)

        def make() -> bytes:
            with self.uow_factory() as uow:
                source = self._source(uow, campaign, checkpoint)
            return render(source)

        key = self._rendering_key(campaign, checkpoint, lost)
        # The HTML takes a moment in process: its readers wait; PDF readers are told when to
        # come back rather than hold a thread for a child's whole run.
        return self.kept.get_or_make(campaign_id, key, form, make, wait=form == HTML)

    # --- by the worker --------------------------------------------------------------------------

    def publish_due(self) -> list[Publication]:
        """Publish every owed report whose time has come; one failing campaign (its render timed
        out, say) is logged and tried again next round, the others go ahead."""
        now = self.clock()
        with self.uow_factory() as uow:
            ready = [
                owed
                for owed in uow.reports.owed(now)
                if is_ready(owed.due, uow.reports.contributions(owed.campaign_id), now)
            ]
        published = []
        for owed in ready:
            try:
                published.append(self._publish_owed(owed, now))
            except Exception:  # noqa: BLE001  (any failure: logged, retried next round)
                log.exception(
                    "report.publish_failed",
                    campaign_id=str(owed.campaign_id),
                    occasion=owed.due.occasion,
                    period=owed.due.period,
                )
        return published

    def _publish_owed(self, owed: OwedReport, now: datetime) -> Publication:
        campaign_id, due = owed.campaign_id, owed.due
        with self.uow_factory() as uow:
            if due.occasion == SETTLEMENT:
                size = uow.journals.size(campaign_id) or 0
            else:  # a month: the books as they stood at its end
                size = uow.reports.size_before(campaign_id, due.due_at)
            checkpoint = checkpoint_publishing.publish_checkpoint(
                uow, self.log_signing, campaign_id, size, now
            )
            existing = uow.reports.at(campaign_id, size)
            if existing is not None:
                uow.reports.met(campaign_id, due, existing.id)
                uow.commit()
                return Publication(existing, created=False)
            source = self._source(uow, self._campaign(uow, campaign_id), checkpoint)
            uow.commit()  # the checkpoint, signed before the (long) render
        publication = self._store(source, self.renderer.render(source), owed)
        log.info(
            "report.published",
            campaign_id=str(campaign_id),
            report_id=str(publication.report.id),
            occasion=due.occasion,
            period=due.period,
            tree_size=size,
        )
        return publication

    # --- internals ------------------------------------------------------------------------------

    def _rendering_key(
        self,
        campaign: dict[str, Any],
        checkpoint: PublishedCheckpoint,
        lost_disputes: frozenset[str] = frozenset(),
    ) -> str:
        """A digest of everything a rendering at ``checkpoint`` is made from: the signed note
        pins the leaves; the campaign's details, disputes lost (no entry marks them), the key
        and the links are the rest."""
        made_from = {
            "lost_disputes": sorted(lost_disputes),
            "campaign": campaign,
            "checkpoint": checkpoint.note,
            "published_at": checkpoint.published_at,
            "key": self.log_signing.signer.vkey,
            "public_url": self.public_url,
            "max_table_rows": self.renderer.max_table_rows,
        }
        text = json.dumps(made_from, sort_keys=True, default=str)
        return f"{checkpoint.tree_size}-{hashlib.sha256(text.encode()).hexdigest()[:32]}"

    def _campaign(self, uow: LedgerUnitOfWork, campaign_id: uuid.UUID) -> dict[str, Any]:
        campaign = uow.campaigns.get(campaign_id)
        if campaign is None:
            raise queries.UnknownCampaign(f"The ledger has no campaign {campaign_id}.")
        return campaign

    def _source(
        self, uow: LedgerUnitOfWork, campaign: dict[str, Any], checkpoint: PublishedCheckpoint
    ) -> ReportSource:
        campaign_id, size = checkpoint.campaign_id, checkpoint.tree_size
        api = f"{self.public_url}/api/v1/campaigns/{campaign_id}"
        return ReportSource(
            campaign=campaign,
            checkpoint=checkpoint,
            leaves=uow.reports.leaves(campaign_id, size),
            verifier_key=self.log_signing.signer.vkey,
            checkpoint_url=f"{api}/checkpoints/{size}",
            export_url=f"{api}/export.jsonl?tree_size={size}",
            lost_disputes=_lost_disputes(uow, campaign_id),
            cover=uow.covers.get(campaign_id),
        )

    def _store(
        self, source: ReportSource, rendered: RenderedReport, owed: OwedReport | None = None
    ) -> Publication:
        checkpoint = source.checkpoint
        campaign_id = checkpoint.campaign_id
        with self.uow_factory() as uow:
            report = StoredReport(
                id=uuid.uuid4(),
                campaign_id=campaign_id,
                tree_size=checkpoint.tree_size,
                root_hash=checkpoint.root_hash,
                sha256=hashlib.sha256(rendered.pdf).hexdigest(),
                published_at=self.clock(),
            )
            created = uow.reports.add(report, rendered.pdf, rendered.html)
            if created:
                uow.publish(LEDGER_TOPIC, self._announcement(report, rendered))
            else:  # a concurrent publisher stored this tree size's report while we rendered
                stored = uow.reports.at(campaign_id, checkpoint.tree_size)
                assert stored is not None  # the insert lost to one with this very key
                report = stored
            if owed is not None:
                uow.reports.met(campaign_id, owed.due, report.id)
            uow.commit()
        return Publication(report, created)

    def _announcement(self, report: StoredReport, rendered: RenderedReport) -> Envelope:
        totals = rendered.balance
        return new_envelope(
            "report.published",
            {
                "campaign_id": report.campaign_id,
                "report_id": report.id,
                "tree_size": report.tree_size,
                "root_hash": base64.b64encode(report.root_hash).decode(),
                "sha256": report.sha256,
                "url": self.pdf_url(report),
                "published_at": report.published_at,
                "currency": totals.currency,
                "raised": totals.raised,
                "refunded": totals.refunded,
                "spent": totals.spent,
                "available": totals.available,
                "shortfall": totals.shortfall,
                "fees": totals.fees,
                "disputed": totals.disputed,
                "backers_count": rendered.backers_count,
            },
            producer=PRODUCER,
            campaign_id=report.campaign_id,
            occurred_at=report.published_at,
        )

    # --- where a report is read -----------------------------------------------------------------

    def pdf_url(self, report: StoredReport) -> str:
        return f"{self.public_url}{report_path(report, 'pdf')}"

    def html_url(self, report: StoredReport) -> str:
        return f"{self.public_url}{report_path(report, 'html')}"


def report_path(report: StoredReport, extension: str) -> str:
    """The page serving a published report, never changed: `.pdf` or `.html`."""
    return f"/campaigns/{report.campaign_id}/reports/{report.id}.{extension}"


def report_filename(report: StoredReport, extension: str) -> str:
    return f"campaign-{report.campaign_id}-report-{report.tree_size}.{extension}"


__all__ = [
    "PUBLISH_DUE_EVERY",
    "Due",
    "Publication",
    "ReportPublisher",
    "report_filename",
    "report_path",
]


def _lost_disputes(uow: LedgerUnitOfWork, campaign_id: uuid.UUID) -> frozenset[str]:
    """The provider's references of the campaign's disputes closed as lost (not in the log)."""
    states = uow.journals.dispute_states(campaign_id)
    return frozenset(reference for reference, dispute in states.items() if dispute.status == "lost")
