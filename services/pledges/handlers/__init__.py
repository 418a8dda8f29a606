"""The pledges service layer: one handler per command, each one unit of work."""

from services.pledges.handlers.accounts import NewAccount, create_account, revoke_account
from services.pledges.handlers.campaigns import (
    Settlement,
    cancel_campaign,
    create_campaign,
    launch_campaign,
    settle_campaign,
    settle_due,
    update_campaign,
)
from services.pledges.handlers.common import (
    Clock,
    UnknownAccount,
    UnknownCampaign,
    UnknownPledge,
    utc_now,
)
from services.pledges.handlers.pledges import (
    BackedPledge,
    IdempotencyKeyReused,
    NotYourCampaign,
    NotYourPledge,
    PledgeAnswer,
    campaign_pledges,
    cancel_pledge,
    change_pledge,
    make_pledge,
    pledge_for,
    pledges_of,
    refund_pledge,
)

__all__ = [
    "BackedPledge",
    "Clock",
    "IdempotencyKeyReused",
    "NewAccount",
    "NotYourCampaign",
    "NotYourPledge",
    "PledgeAnswer",
    "Settlement",
    "UnknownAccount",
    "UnknownCampaign",
    "UnknownPledge",
    "campaign_pledges",
    "cancel_campaign",
    "cancel_pledge",
    "change_pledge",
    "create_account",
    "create_campaign",
    "launch_campaign",
    "make_pledge",
    "pledge_for",
    "pledges_of",
    "refund_pledge",
    "revoke_account",
    "settle_campaign",
    "settle_due",
    "update_campaign",
    "utc_now",
]
