"""The one place the updates service's real adapters are wired."""

from services.updates.adapters.tables import TABLES
from services.updates.consumer import HANDLERS, TOPICS
from services.updates.unit_of_work import UpdatesUnitOfWork
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
