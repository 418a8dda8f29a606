"""The updates service's unit of work: one transaction with its repositories inside."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from services.updates.adapters.backers import BackerRoster
from services.updates.adapters.campaigns import CampaignReadModel
from services.updates.adapters.comments import CommentRepository
from services.updates.adapters.mail import MailAddresses, MailOutbox, Unsubscriptions
from services.updates.adapters.updates import UpdateRepository
from shared.db import UnitOfWork


class UpdatesUnitOfWork(UnitOfWork):
    campaigns: CampaignReadModel
    updates: UpdateRepository
    comments: CommentRepository
    #: The backer roster: who may read backers-only updates (`readers`), who backed at all.
    backers: BackerRoster
    mail_addresses: MailAddresses
    unsubscriptions: Unsubscriptions
    mail_outbox: MailOutbox

    def _open(self, connection: Connection) -> None:
        self.campaigns = CampaignReadModel(connection)
        self.updates = UpdateRepository(connection)
        self.comments = CommentRepository(connection)
        self.backers = BackerRoster(connection)
        self.mail_addresses = MailAddresses(connection)
        self.unsubscriptions = Unsubscriptions(connection)
        self.mail_outbox = MailOutbox(connection)
