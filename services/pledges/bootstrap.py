"""The one place the pledges service's real adapters are wired."""

from services.pledges.adapters.tables import TABLES
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.service import ServiceSpec

SERVICE = ServiceSpec(
    name="pledges",
    port=8001,
    tables=TABLES,
    uow_class=PledgesUnitOfWork,
    # Pledges owns the accounts; it consumes nothing and only relays its outbox.
    topics=(),
    handlers={},
    app_factory="services.pledges.app:create_app()",
)
