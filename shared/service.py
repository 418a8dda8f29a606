"""How a service describes itself to the shared app skeleton, worker and CLI."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from shared.config import Settings
from shared.consumer import Handler
from shared.db import UnitOfWork


@dataclass(frozen=True)
class ServiceSpec:
    #: `pledges`, `ledger` or `updates`; also the settings' environment prefix.
    name: str
    #: Where it listens when run locally.
    port: int
    #: Its tables, the shared plumbing tables included.
    tables: dict[str, sa.Table]
    #: Its unit of work, with its repositories.
    uow_class: type[UnitOfWork]
    #: The topics it consumes, and the handler for each event type it acts on.
    topics: Sequence[str]
    handlers: Mapping[str, Handler]
    #: The WSGI app for gunicorn, as `module:callable()`.
    app_factory: str

    def uow_factory(self, engine: sa.Engine, settings: Settings) -> Callable[[], UnitOfWork]:
        """Units of work on `engine` for one process of this service."""
        return self.uow_class.factory(engine, self.tables, self.name, settings)
