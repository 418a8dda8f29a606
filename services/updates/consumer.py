"""What the updates service consumes, and which handler each event type goes to."""

from collections.abc import Callable

from services.updates import handlers
from services.updates.mail import account_mail, payment_mail, pledge_mail
from services.updates.mail import handlers as mail_handlers
from shared import topics
from shared.accounts import ACCOUNT_HANDLERS
from shared.events.catalog import CAMPAIGN_EVENT_TYPES, PLEDGE_EVENT_TYPES

# updates.events: the worker hears its own `update.published` back and queues its e-mails (and
# `update.retracted`, `comment.posted`: the notices that follow them).
# ledger.events: `report.published` becomes an automatic update.
TOPICS = (topics.ACCOUNTS, topics.PLEDGES, topics.LEDGER, topics.UPDATES)

HANDLERS: dict[str, Callable[..., None]] = {
    **ACCOUNT_HANDLERS,
    "account.created": mail_handlers.on_account_created,
    "account.email_verified": mail_handlers.on_email_verified,
    "account.language_changed": mail_handlers.on_language_changed,
    "account.verification_requested": account_mail.on_verification_requested,
    "account.notice_requested": account_mail.on_notice_requested,
    "update.published": mail_handlers.on_update_published,
    **{event_type: handlers.on_campaign_event for event_type in CAMPAIGN_EVENT_TYPES},
    **{event_type: handlers.on_pledge_event for event_type in PLEDGE_EVENT_TYPES},
    # The roster follows these pledges too, and the backer (or the creator) is told.
    "pledge.payment_failed": payment_mail.on_payment_failed,
    "pledge.dropped": payment_mail.on_pledge_dropped,
    "payment.dispute_opened": payment_mail.on_dispute_opened,
    "payment.dispute_closed": payment_mail.on_dispute_closed,
    "report.published": handlers.on_report_published,
    # The roster follows these too; the backer gets their pledge's mail, the creator its news.
    "pledge.created": pledge_mail.on_pledge_created,
    "pledge.changed": pledge_mail.on_pledge_changed,
    "pledge.refunded": pledge_mail.on_pledge_refunded,
    "comment.posted": pledge_mail.on_comment_posted,
    "update.retracted": pledge_mail.on_update_retracted,
}
