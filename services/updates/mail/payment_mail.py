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
from services.updates.mail.messages import test_mode_notice
from services.updates.settings import UpdatesSettings
from services.updates.unit_of_work import UpdatesUnitOfWork
from services.updates.words import words
from shared.events.catalog import (
    DisputeClosed,
    DisputeOpened,
    PledgeDropped,
    PledgePaymentFailed,
)
from shared.logging import get_logger
from shared.wording import Words

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
        _words(uow, event.backer_id),
        campaign["title"],
        event.amount,
        event.currency,
        event.reason_code,
        event.retry_until,
        _campaign_url(updates_settings, event.campaign_id),
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
        _words(uow, event.backer_id),
        campaign["title"],
        event.amount,
        event.currency,
        _campaign_url(updates_settings, event.campaign_id),
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
        _words(uow, campaign["creator_id"]),
        campaign["title"],
        event.amount,
        event.currency,
        event.reason,
        _campaign_url(updates_settings, event.campaign_id),
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
        _words(uow, campaign["creator_id"]),
        campaign["title"],
        event.amount,
        event.currency,
        event.outcome,
        _campaign_url(updates_settings, event.campaign_id),
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


def _words(uow: UpdatesUnitOfWork, account_id: uuid.UUID) -> Words:
    """The recipient's words: the message is written now, in the language they chose by now."""
    return words(uow.mail_addresses.language(account_id))


def _campaign_url(settings: UpdatesSettings, campaign_id: uuid.UUID) -> str:
    """The campaign's page on the site: its pledge (and card button) and its public ledger."""
    return f"{settings.site_url}/campaigns/{campaign_id}"


def _queue(
    uow: UpdatesUnitOfWork,
    now: datetime,
    event: PaymentNews,
    account_id: uuid.UUID,
    purpose: str,
    message: wording.PaymentMessage,
    campaign: dict[str, Any],
) -> None:
    test_mode_line = test_mode_notice(words(uow.mail_addresses.language(account_id)))
    # A failed payment's notice is worth sending only while the backer can still fix it.
    expires_at = (
        event.retry_until
        if isinstance(event, PledgePaymentFailed)
        else event.occurred_at + NOTICE_LIFETIME
    )
    # The campaign's own word (its rows from before payments read as test mode, migration 0007).
    body = f"{test_mode_line}\n\n{message.text}" if campaign["test_mode"] else message.text
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
