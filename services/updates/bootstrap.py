"""The updates service's composition root: the one place its real adapters are wired."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from services.updates.adapters.tables import TABLES
from services.updates.consumer import HANDLERS, TOPICS
from services.updates.unit_of_work import UpdatesUnitOfWork
from shared.bootstrap import Dependencies, core_dependencies
from shared.config import Settings
from shared.service import ServiceSpec

SERVICE = ServiceSpec(
    name="updates",
    port=8003,
    tables=TABLES,
    uow_class=UpdatesUnitOfWork,
    topics=TOPICS,
    handlers=HANDLERS,
    app_factory="services.updates.app:create_app()",
)


@dataclass(frozen=True, kw_only=True)
class UpdatesDependencies(Dependencies):
    uow_factory: Callable[[], UpdatesUnitOfWork]


def bootstrap(
    settings_overrides: dict[str, Any] | None = None, **replacements: Any
) -> UpdatesDependencies:
    """The updates service's dependencies; `replacements` swap any of them."""
    settings = Settings.load(SERVICE.name, settings_overrides)
    dependencies = UpdatesDependencies(**core_dependencies(SERVICE, settings))
    return dataclasses.replace(dependencies, **replacements) if replacements else dependencies


def typed(dependencies: Dependencies) -> UpdatesDependencies:
    return cast(UpdatesDependencies, dependencies)
