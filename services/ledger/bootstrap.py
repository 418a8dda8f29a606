"""The ledger's composition root: the one place its real adapters are wired.

`bootstrap()` builds, once per process and from `Settings`, what the app, the worker and the CLI
use: units of work, the clock, the log's signing key and the receipt store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from services.ledger.adapters.receipts import FileSystemReceiptStore, ReceiptStore
from services.ledger.adapters.tables import TABLES
from services.ledger.consumer import HANDLERS, TOPICS
from services.ledger.settings import LedgerSettings
from services.ledger.signing import LogSigning
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.bootstrap import Dependencies, core_dependencies
from shared.config import Settings
from shared.service import ServiceSpec

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
    )
    return dataclasses.replace(dependencies, **replacements) if replacements else dependencies


def typed(dependencies: Dependencies) -> LedgerDependencies:
    return cast(LedgerDependencies, dependencies)
