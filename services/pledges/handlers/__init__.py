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
from services.pledges.handlers.cards import CardSaved, card_saved, start_card_setup
from services.pledges.handlers.collection import (
    PaymentResult,
    collection_failed,
    collection_succeeded,
    drop_unpaid,
    retry_collection,
)
from services.pledges.handlers.common import (
    Clock,
    UnknownAccount,
    UnknownCampaign,
    UnknownPledge,
    utc_now,
)
from services.pledges.handlers.payouts import (
    payout_account,
    payout_account_updated,
    start_payout_onboarding,
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
    "CardSaved",
    "Clock",
    "IdempotencyKeyReused",
    "NewAccount",
    "NotYourCampaign",
    "NotYourPledge",
    "PaymentResult",
    "PledgeAnswer",
    "Settlement",
    "UnknownAccount",
    "UnknownCampaign",
    "UnknownPledge",
    "campaign_pledges",
    "card_saved",
    "cancel_campaign",
    "cancel_pledge",
    "change_pledge",
    "collection_failed",
    "collection_succeeded",
    "create_account",
    "create_campaign",
    "drop_unpaid",
    "launch_campaign",
    "make_pledge",
    "payout_account",
    "payout_account_updated",
    "pledge_for",
    "pledges_of",
    "refund_pledge",
    "retry_collection",
    "revoke_account",
    "settle_campaign",
    "settle_due",
    "start_card_setup",
    "start_payout_onboarding",
    "update_campaign",
    "utc_now",
]
