"""The e-mail handlers: remember readers' addresses, queue one message per reader of an update."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.updates.adapters.mail import MailUpdate
from services.updates.mail.recipients import update_page
from services.updates.mail.tokens import UnsubscribeTokens, Unsubscription
from services.updates.settings import UpdatesSettings
from services.updates.unit_of_work import UpdatesUnitOfWork
from shared.errors import NotFound
from shared.events.catalog import (
    AccountCreated,
    AccountEmailVerified,
    AccountLanguageChanged,
    UpdatePublished,
)
from shared.logging import get_logger
from shared.markdown import sanitise

log = get_logger(__name__)


def on_account_created(event: AccountCreated, uow: UpdatesUnitOfWork) -> None:
    """Keep the account's address for its notifications; an account without one gets none.

    The address stays in this table: it is never logged, and no event of ours carries it.
    """
    if event.email:
        uow.mail_addresses.record(event.account_id, event.email, event.occurred_at, event.language)


def on_language_changed(event: AccountLanguageChanged, uow: UpdatesUnitOfWork) -> None:
    """The account's mail is written in its new language from the next message on (one
    queued already is written when sent, so it follows too)."""
    uow.mail_addresses.choose_language(event.account_id, event.language, event.occurred_at)


def on_email_verified(event: AccountEmailVerified, uow: UpdatesUnitOfWork) -> None:
    """The account's address is proven: from now on it may get update mail. Until then it gets
    only the link that proves it (anyone can sign up with someone else's address)."""
    uow.mail_addresses.confirm(event.account_id, event.occurred_at)


def on_update_published(
    event: UpdatePublished,
    uow: UpdatesUnitOfWork,
    clock: Callable[[], datetime],
    updates_settings: UpdatesSettings,
) -> None:
    """Queue the update's e-mail to each reader with a proven address who did not unsubscribe.

    Public and automatic updates go to every backer of the campaign, backers-only ones to those
    who may read them. Queued in the consumer's transaction, once per (update, reader): a
    redelivered event queues nothing more. The sender thread does the sending.
    """
    if event.visibility == "public" or event.kind == "automatic":
        found = uow.backers.all_backers(event.campaign_id)
    else:
        found = uow.backers.readers(event.campaign_id)
    readers = list(dict.fromkeys(found))  # one message each, in a stable order
    unsubscribed = uow.unsubscriptions.of_campaign(event.campaign_id)
    candidates = [account_id for account_id in readers if account_id not in unsubscribed]
    with_address = uow.mail_addresses.reachable(candidates)
    recipients = [account_id for account_id in candidates if account_id in with_address]
    campaign = uow.campaigns.get(event.campaign_id)
    update = MailUpdate(
        update_id=event.update_id,
        campaign_id=event.campaign_id,
        campaign_title=campaign["title"] if campaign else "A Fundtrail campaign",
        kind=event.kind,
        title=event.title,
        # Our own HTML, sanitised when published; again with today's allow-list, so an event
        # from an older release (which let images through) mails no tracking pixel.
        body_html=sanitise(event.body_html),
        # The update's page on the site, not the event's `url` (the updates API).
        url=update_page(updates_settings, event.campaign_id, event.update_id),
        published_at=event.published_at,
        # A campaign not heard of yet is taken for test mode: never claim money moves unknown.
        test_mode=campaign["test_mode"] if campaign else True,
    )
    uow.mail_outbox.enqueue(update, recipients, clock())
    log.info(
        "mail.queued",
        update_id=str(event.update_id),
        recipients=len(recipients),
        skipped=len(readers) - len(recipients),
    )


def unsubscribe(
    token: str,
    uow: UpdatesUnitOfWork,
    tokens: UnsubscribeTokens,
    clock: Callable[[], datetime],
) -> Unsubscription:
    """Stop the mail of the account and campaign `token` names; again changes nothing.

    A token we did not sign (forged, tampered, or another account's ids pasted into a real one)
    is refused before anything is written.
    """
    unsubscription = tokens.check(token)
    if unsubscription is None:
        raise NotFound("This unsubscribe link is not valid: it may have been cut or changed.")
    with uow:
        uow.unsubscriptions.add(
            unsubscription.account_id, unsubscription.campaign_id, clock(), unsubscription.kind
        )
        uow.commit()
    log.info(
        "mail.unsubscribed",
        account_id=str(unsubscription.account_id),
        campaign_id=str(unsubscription.campaign_id),
        kind=unsubscription.kind,
    )
    return unsubscription
