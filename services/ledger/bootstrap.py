"""The ledger's composition root: the one place its real adapters are wired.

`bootstrap()` builds, once per process and from `Settings`, what the app, the worker and the CLI
use: units of work, the clock, the log's signing key, the receipt store and the report renderer
(with the publisher built from them, `LedgerDependencies.report_publisher`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from services.ledger.adapters.receipts import FileSystemReceiptStore, ReceiptStore
from services.ledger.adapters.tables import TABLES
from services.ledger.consumer import HANDLERS, TOPICS
from services.ledger.report_publishing import PUBLISH_DUE_EVERY, ReportPublisher
from services.ledger.reports.kept import KeptRenderings
from services.ledger.reports.rendering import ReportRenderer
from services.ledger.settings import LedgerSettings
from services.ledger.signing import LogSigning
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.bootstrap import BackgroundJob, Dependencies, core_dependencies
from shared.config import Settings
from shared.service import ServiceSpec
from shared.web.app import current_dependencies as app_dependencies

SERVICE = ServiceSpec(
    name="ledger",
    port=8002,
    tables=TABLES,
    uow_class=LedgerUnitOfWork,
    topics=TOPICS,
    handlers=HANDLERS,
    app_factory="services.ledger.app:create_app()",
)


@dataclass(frozen=True, kw_only=True)
class LedgerDependencies(Dependencies):
    uow_factory: Callable[[], LedgerUnitOfWork]
    #: What the ledger needs beyond the settings every service shares.
    ledger_settings: LedgerSettings
    #: The log's signing key, origin and checkpoint batching.
    log_signing: LogSigning
    #: Where receipt files live, by SHA-256.
    receipts: ReceiptStore
    #: Renders public spending reports (PDF in a bounded child process, HTML in process).
    report_renderer: ReportRenderer
    #: Reports rendered for readers before one is published, kept on disk.
    kept_reports: KeptRenderings

    def report_publisher(self) -> ReportPublisher:
        """Publishes, previews and serves reports with this root's parts."""
        return ReportPublisher(
            uow_factory=self.uow_factory,
            renderer=self.report_renderer,
            log_signing=self.log_signing,
            public_url=self.ledger_settings.public_url,
            clock=self.clock,
            kept=self.kept_reports,
        )

    def background_jobs(self) -> tuple[BackgroundJob, ...]:
        """The worker publishes the reports owed at settlement and at each month's end."""
        return (BackgroundJob("reports", PUBLISH_DUE_EVERY, self.report_publisher().publish_due),)


def bootstrap(
    settings_overrides: dict[str, Any] | None = None, **replacements: Any
) -> LedgerDependencies:
    """The ledger's dependencies; `replacements` swap any of them (tests: a clock, a store)."""
    settings = Settings.load(SERVICE.name, settings_overrides)
    ledger_settings = LedgerSettings.load(settings)
    dependencies = LedgerDependencies(
        **core_dependencies(SERVICE, settings),
        ledger_settings=ledger_settings,
        log_signing=LogSigning.from_settings(ledger_settings),
        receipts=FileSystemReceiptStore(ledger_settings.receipts_dir),
        report_renderer=ReportRenderer(
            timeout=ledger_settings.report_timeout,
            memory_limit=ledger_settings.report_memory_limit,
            max_table_rows=ledger_settings.report_max_rows,
            max_renders=ledger_settings.report_max_renders,
        ),
        kept_reports=KeptRenderings(ledger_settings.report_cache_dir),
    )
    return dataclasses.replace(dependencies, **replacements) if replacements else dependencies


def current_dependencies() -> LedgerDependencies:
    """The ledger's dependencies, as the app serving this request was built with: the one
    way its routes and pages reach them. Read per request, so a test that swaps the app's
    dependencies (a clock standing after a deadline) is seen by the next request."""
    return cast(LedgerDependencies, app_dependencies())
