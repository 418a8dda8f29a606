"""What the updates service's routes reach: its composition root, a unit of work, the caller."""

from __future__ import annotations

import uuid

from services.updates.bootstrap import UpdatesDependencies, typed
from services.updates.unit_of_work import UpdatesUnitOfWork
from shared.web.app import current_dependencies
from shared.web.auth import optional_principal


def updates_root() -> UpdatesDependencies:
    """The updates service's composition root, as the app serving this request was built."""
    return typed(current_dependencies())


def unit_of_work() -> UpdatesUnitOfWork:
    return updates_root().uow_factory()


def viewer_id() -> uuid.UUID | None:
    """The caller of a public read, if they sent a token (a bad one is still a 401)."""
    principal = optional_principal()
    return None if principal is None else principal.account_id
