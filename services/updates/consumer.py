"""What the updates service consumes, and which handler each event type goes to."""

from services.updates import handlers
from shared import topics
from shared.accounts import ACCOUNT_HANDLERS

TOPICS = (topics.ACCOUNTS, topics.PLEDGES)

HANDLERS = {
    **ACCOUNT_HANDLERS,
    "campaign.created": handlers.on_campaign_created,
}
