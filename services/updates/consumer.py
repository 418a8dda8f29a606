"""What the updates service consumes, and which handler each event type goes to."""

from collections.abc import Callable

from services.updates import handlers
from shared import topics
from shared.accounts import ACCOUNT_HANDLERS
from shared.events.catalog import CAMPAIGN_EVENT_TYPES

TOPICS = (topics.ACCOUNTS, topics.PLEDGES)

HANDLERS: dict[str, Callable[..., None]] = {
    **ACCOUNT_HANDLERS,
    **{event_type: handlers.on_campaign_event for event_type in CAMPAIGN_EVENT_TYPES},
}
