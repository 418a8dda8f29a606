"""The updates service's unit of work: one transaction with its repositories inside."""

from __future__ import annotations

from typing import cast

from sqlalchemy.engine import Connection

from services.updates.adapters.campaigns import CampaignReadModel
from shared.db import UnitOfWork
from shared.web.app import service_context


class UpdatesUnitOfWork(UnitOfWork):
    campaigns: CampaignReadModel

    def _open(self, connection: Connection) -> None:
        self.campaigns = CampaignReadModel(connection)


def current_uow() -> UpdatesUnitOfWork:
    """A new unit of work of the app serving this request."""
    return cast(UpdatesUnitOfWork, service_context().uow_factory())
