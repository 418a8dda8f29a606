"""The one place the ledger's real adapters are wired: tables, unit of work, events, app."""

from services.ledger.adapters.tables import TABLES
from services.ledger.consumer import HANDLERS, TOPICS
from services.ledger.unit_of_work import LedgerUnitOfWork
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
