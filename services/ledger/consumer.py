"""What the ledger consumes, and which handler each event type goes to.

Besides pledge events (and the payment events the pledges service sends on the same topic),
the ledger hears its own `ledger.entry_appended` announcements back: that is how its worker
learns of every append (API ones included) to batch checkpoints.
"""

from collections.abc import Callable

from services.ledger import handlers
from shared import topics
from shared.accounts import ACCOUNT_HANDLERS
from shared.events.catalog import CAMPAIGN_EVENT_TYPES

TOPICS = (topics.ACCOUNTS, topics.PLEDGES, topics.LEDGER)

HANDLERS: dict[str, Callable[..., None]] = {
    **ACCOUNT_HANDLERS,
    **{event_type: handlers.on_campaign_event for event_type in CAMPAIGN_EVENT_TYPES},
    "pledge.collected": handlers.on_pledge_collected,
    "pledge.refunded": handlers.on_pledge_refunded,
    "payment.fee_charged": handlers.on_fee_charged,
    "payment.dispute_opened": handlers.on_dispute_opened,
    "payment.dispute_closed": handlers.on_dispute_closed,
    "ledger.entry_appended": handlers.on_entry_appended,
    "campaign.cover_changed": handlers.on_cover_changed,
}
