"""Payment notices: a backer is told their payment failed (and how to fix it) or that their pledge
was dropped; a creator is told a payment to their campaign is disputed, and how that ended.

Transactional, like account mail, and sent by the same queue (`account_mail`, drained by
`AccountMailSender`): one message per event, keyed by the event's id, so the same event heard
twice mails once while a later failure (a new event) mails again. Each message is written when
queued, from the event and the campaign as the updates service knows it then, with the
test-mode line when the campaign's money is not real. It goes out only to an address its owner
proved, found when sent: the account's address may arrive after the pledge's news.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from services.updates.domain import payment_mail as wording
from services.updates.mail.account_mail import queue_message
from services.updates.mail.recipients import campaign_page, recipient_words, with_test_mode
from services.updates.settings import UpdatesSettings
from services.updates.unit_of_work import UpdatesUnitOfWork
from shared.events.catalog import (
    DisputeClosed,
    DisputeOpened,
    PledgeDropped,
    PledgePaymentFailed,
)
from shared.logging import get_logger

log = get_logger(__name__)

#: The events a payment notice is queued for.
PaymentNews = PledgePaymentFailed | PledgeDropped | DisputeOpened | DisputeClosed

#: A notice still unsent this long after its event tells of something long over: it is dropped.
#: (A failed payment's notice goes sooner: once the backer can no longer fix it.)
NOTICE_LIFETIME = timedelta(days=7)


def on_payment_failed(
    event: PledgePaymentFailed,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Callable[[], datetime],
) -> None:
    """The roster follows the pledge (still a backer while it can be fixed); the backer is told
    why, until when, and where to fix it."""
    uow.backers.record(event)
    campaign = _campaign(uow, event)
    if campaign is None:
        return
    message = wording.payment_failed(
        recipient_words(uow, event.backer_id),
        campaign["title"],
        event.amount,
        event.currency,
        event.reason_code,
        event.retry_until,
        campaign_page(updates_settings, event.campaign_id),
    )
    _queue(uow, clock(), event, event.backer_id, "payment_failed", message, campaign)


def on_pledge_dropped(
    event: PledgeDropped,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Callable[[], datetime],
) -> None:
    """The roster drops the pledge like a cancelled one; the backer is told nothing was taken."""
    uow.backers.record(event)
    campaign = _campaign(uow, event)
    if campaign is None:
        return
    message = wording.pledge_dropped(
        recipient_words(uow, event.backer_id),
        campaign["title"],
        event.amount,
        event.currency,
        campaign_page(updates_settings, event.campaign_id),
    )
    _queue(uow, clock(), event, event.backer_id, "pledge_dropped", message, campaign)


def on_dispute_opened(
    event: DisputeOpened,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Callable[[], datetime],
) -> None:
    """The campaign's creator is told a payment is disputed and its money held back."""
    campaign = _campaign(uow, event)
    if campaign is None:
        return
    message = wording.dispute_opened(
        recipient_words(uow, campaign["creator_id"]),
        campaign["title"],
        event.amount,
        event.currency,
        event.reason,
        campaign_page(updates_settings, event.campaign_id),
    )
    _queue(uow, clock(), event, campaign["creator_id"], "dispute_opened", message, campaign)


def on_dispute_closed(
    event: DisputeClosed,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Callable[[], datetime],
) -> None:
    """The campaign's creator is told how the dispute ended."""
    campaign = _campaign(uow, event)
    if campaign is None:
        return
    message = wording.dispute_closed(
        recipient_words(uow, campaign["creator_id"]),
        campaign["title"],
        event.amount,
        event.currency,
        event.outcome,
        campaign_page(updates_settings, event.campaign_id),
    )
    _queue(uow, clock(), event, campaign["creator_id"], "dispute_closed", message, campaign)


def _campaign(
    uow: UpdatesUnitOfWork,
    event: PledgePaymentFailed | PledgeDropped | DisputeOpened | DisputeClosed,
) -> dict[str, Any] | None:
    """The campaign the event is about; None (logged, nothing mailed) when never heard of: its
    events come before its pledges' on the same partition, so that is a stray event, and a
    message naming no campaign, or sent to no creator, would help nobody."""
    campaign = uow.campaigns.get(event.campaign_id)
    if campaign is None:
        log.warning(
            "payment_mail.unknown_campaign",
            campaign_id=str(event.campaign_id),
            event_type=event.TYPE,
        )
    return campaign


def _queue(
    uow: UpdatesUnitOfWork,
    now: datetime,
    event: PaymentNews,
    account_id: uuid.UUID,
    purpose: str,
    message: wording.PaymentMessage,
    campaign: dict[str, Any],
) -> None:
    # A failed payment's notice is worth sending only while the backer can still fix it.
    expires_at = (
        event.retry_until
        if isinstance(event, PledgePaymentFailed)
        else event.occurred_at + NOTICE_LIFETIME
    )
    # The campaign's own word (its rows from before payments read as test mode, migration 0007).
    body = with_test_mode(uow, account_id, message.text, campaign["test_mode"])
    queue_message(
        uow,
        now,
        event.event_id,
        account_id,
        purpose,
        "",
        expires_at,
        subject=message.subject,
        body=body,
    )
    log.info("payment_mail.queued", event_id=str(event.event_id), purpose=purpose)
