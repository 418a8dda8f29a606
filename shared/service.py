"""What a service is, as the shared app skeleton, worker and CLI need to know it.

Static facts only (no engine, no keys): its composition root (`bootstrap.py`) builds the
process's live `Dependencies` from this and `Settings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

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
    #: The topics it consumes, and the handler for each event type it acts on: each takes
    #: `(event, uow)` then, by name, whatever dependencies it needs (see shared/bootstrap.py).
    topics: Sequence[str]
    handlers: Mapping[str, Callable[..., None]]
    #: The WSGI app for gunicorn, as `module:callable()`.
    app_factory: str
