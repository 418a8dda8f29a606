"""Pledge and question mail: the backer is told their pledge was made, changed or refunded; the
creator is told of new pledges and of backers' questions; the readers an update was mailed to
are told when it is retracted.

All go through the account mail queue (`account_mail`, drained by `AccountMailSender`), keyed so
that an event heard twice mails once, written when queued in the recipient's language, with the
test-mode line when the campaign's money is not real.

- The backer's own pledge mail is transactional: it carries no unsubscribe.
- The rest belong to a list, one kind of mail about one campaign, each with its own one-click
  unsubscribe: `new_pledges` and `questions` (a creator may stop one and keep the other), and
  `updates` for a retraction notice (stopping update mail stops those too).
- New pledges do not flood a busy campaign's creator: the first new pledge of each clock hour
  (UTC) is mailed at once; the ones after it in that hour are gathered into one mail sent when
  the hour ends. At most two such mails an hour, and the first pledge never waits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.updates.adapters.tables import MAIL_TABLES
from services.updates.domain import pledge_mail as wording
from services.updates.handlers import on_pledge_event
from services.updates.mail.account_mail import queue_message
from services.updates.mail.recipients import (
    campaign_page,
    recipient_words,
    update_page,
    with_test_mode,
)
from services.updates.mail.tokens import NEW_PLEDGES, QUESTIONS, UPDATES
from services.updates.settings import UpdatesSettings
from services.updates.unit_of_work import UpdatesUnitOfWork
from shared.db import is_postgresql
from shared.events.catalog import (
    CommentPosted,
    PledgeChanged,
    PledgeCreated,
    PledgeRefunded,
    UpdateRetracted,
)
from shared.logging import get_logger

log = get_logger(__name__)

account_mail = MAIL_TABLES["account_mail"]
pledge_notices = MAIL_TABLES["pledge_notices"]
mail_updates = MAIL_TABLES["mail_updates"]
mail_outbox = MAIL_TABLES["mail_outbox"]

#: A notice still unsent this long after it was due tells of something long over: dropped.
NOTICE_LIFETIME = timedelta(days=7)
#: New pledges are gathered over this much time (a clock hour), after the first is mailed.
DIGEST_WINDOW = timedelta(hours=1)
#: Names the keys of new-pledge mails and retraction notices: the same inputs, the same key.
_KEYS = uuid.UUID("6f1d3a52-9a41-4f5e-8c1e-2b7d0c5e9a18")


# --- the backer's own pledge (transactional) ---------------------------------------------------


def on_pledge_created(
    event: PledgeCreated,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Callable[[], datetime],
) -> None:
    """The roster follows; the backer gets their pledge's receipt, the creator its news."""
    on_pledge_event(event, uow, updates_settings)
    campaign = uow.campaigns.get(event.campaign_id)
    if campaign is None:
        return
    message = wording.pledge_made(
        recipient_words(uow, event.backer_id),
        campaign["title"],
        event.amount,
        event.currency,
        event.tier_name,
        campaign_page(updates_settings, event.campaign_id),
    )
    _queue(uow, clock(), event, event.backer_id, "pledge_made", message, campaign)
    _gather_new_pledge(event, uow, updates_settings, clock(), campaign)


def on_pledge_changed(
    event: PledgeChanged,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Callable[[], datetime],
) -> None:
    """The roster follows; the backer is told what the pledge is now and what it replaced."""
    on_pledge_event(event, uow, updates_settings)
    campaign = uow.campaigns.get(event.campaign_id)
    if campaign is None:
        return
    message = wording.pledge_changed(
        recipient_words(uow, event.backer_id),
        campaign["title"],
        event.amount,
        event.currency,
        event.tier_name,
        event.previous_amount,
        event.previous_tier_name,
        campaign_page(updates_settings, event.campaign_id),
    )
    _queue(uow, clock(), event, event.backer_id, "pledge_changed", message, campaign)


def on_pledge_refunded(
    event: PledgeRefunded,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Callable[[], datetime],
) -> None:
    """The roster follows; the backer is told how much came back, of how much, and why."""
    on_pledge_event(event, uow, updates_settings)
    campaign = uow.campaigns.get(event.campaign_id)
    if campaign is None:
        return
    message = wording.pledge_refunded(
        recipient_words(uow, event.backer_id),
        campaign["title"],
        event.amount,
        event.collected_amount,
        event.refunded_total,
        event.currency,
        event.reason,
        campaign_page(updates_settings, event.campaign_id),
    )
    _queue(uow, clock(), event, event.backer_id, "pledge_refunded", message, campaign)


# --- the creator's notices ----------------------------------------------------------------------


def _gather_new_pledge(
    event: PledgeCreated,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    now: datetime,
    campaign: dict[str, Any],
) -> None:
    """Put the pledge in the creator's next new-pledge mail (see the module's docstring).

    The mail a pledge joins is one the sender has not claimed yet (`attempts` 0), read under a
    row lock on PostgreSQL: the sender's claim skips locked rows, so a pledge never joins a
    mail already on its way. Pledges of one campaign come from one partition, one at a time.
    """
    connection = uow.conn
    seen = connection.execute(
        sa.select(pledge_notices.c.event_id).where(pledge_notices.c.event_id == event.event_id)
    ).first()
    if seen is not None:
        return
    creator_id = campaign["creator_id"]
    hour = now.replace(minute=0, second=0, microsecond=0)
    first = _key("new_pledges", creator_id, event.campaign_id, hour.isoformat())
    rest = _key("new_pledges", creator_id, event.campaign_id, hour.isoformat(), "rest")
    # The first of the hour goes at once; the rest at the hour's end; a pledge that misses
    # both (the hour's end mail already claimed) goes alone, at once.
    choices = ((first, now), (rest, hour + DIGEST_WINDOW), (event.event_id, now))
    key, due, row = next(
        (key, due, row)
        for key, due in choices
        if (row := _unclaimed_or_new(connection, key)) != "claimed"
    )
    if row == "new":
        queue_message(
            uow,
            now,
            key,
            creator_id,
            "new_pledges",
            "",
            due + NOTICE_LIFETIME,
            subject="",
            body="",  # written below, from the pledges it gathers
            campaign_id=event.campaign_id,
            list_kind=NEW_PLEDGES,
            due=due,
        )
    connection.execute(
        pledge_notices.insert().values(
            event_id=event.event_id,
            mail_id=key,
            campaign_id=event.campaign_id,
            amount=event.amount,
            currency=event.currency,
            tier_name=event.tier_name,
            pledged_at=event.occurred_at,
        )
    )
    gathered = connection.execute(
        sa.select(pledge_notices).where(pledge_notices.c.mail_id == key)
    ).mappings()
    message = wording.new_pledges(
        recipient_words(uow, creator_id),
        campaign["title"],
        [
            wording.PledgeFacts(p["amount"], p["currency"], p["tier_name"], p["pledged_at"])
            for p in gathered
        ],
        f"{updates_settings.site_url}/console/campaigns/{event.campaign_id}",
    )
    subject = message.subject
    body = with_test_mode(uow, creator_id, message.text, campaign["test_mode"])
    connection.execute(
        account_mail.update()
        .where(account_mail.c.token_id == key)
        .values(subject=subject, body=body)
    )
    log.info("pledge_mail.gathered", event_id=str(event.event_id), mail_id=str(key))


def _unclaimed_or_new(connection: Any, key: uuid.UUID) -> str:
    """`new` when no mail has `key`, `open` when it has one the sender has not claimed (now
    locked until our commit), `claimed` otherwise."""
    query = sa.select(account_mail.c.attempts, account_mail.c.status).where(
        account_mail.c.token_id == key
    )
    if is_postgresql(connection):
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        return "new"
    return "open" if row.attempts == 0 and row.status == "pending" else "claimed"


def on_comment_posted(
    event: CommentPosted,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Callable[[], datetime],
) -> None:
    """A backer wrote under an update: its creator is told, once per comment. (Questions are
    few, each rate-limited, and each wants an answer: no digest.) The creator's own answers
    mail nobody."""
    if event.author_is_creator:
        return
    campaign = uow.campaigns.get(event.campaign_id)
    update = uow.updates.get(event.update_id)
    if campaign is None or update is None or campaign["creator_id"] == event.author_id:
        return
    message = wording.new_question(
        recipient_words(uow, campaign["creator_id"]),
        campaign["title"],
        update.title,
        event.body,
        update_page(updates_settings, event.campaign_id, event.update_id),
    )
    _queue(
        uow,
        clock(),
        event,
        campaign["creator_id"],
        "new_question",
        message,
        campaign,
        list_kind=QUESTIONS,
    )


def on_update_retracted(
    event: UpdateRetracted,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Callable[[], datetime],
) -> None:
    """Everyone the update was mailed to (sent, or still on its way) is told it was retracted
    and why; its unsent mails are dropped, so nobody gets the update after its retraction."""
    connection = uow.conn
    mailed = connection.execute(
        sa.select(mail_updates.c.title, mail_updates.c.campaign_title).where(
            mail_updates.c.update_id == event.update_id
        )
    ).first()
    if mailed is None:
        return  # never mailed (a draft of another release, or nobody to mail): nothing to say
    campaign = uow.campaigns.get(event.campaign_id)
    if campaign is None:
        return
    # Not yet claimed by the sender: never sent, and now never will be.
    connection.execute(
        mail_outbox.update()
        .where(
            mail_outbox.c.update_id == event.update_id,
            mail_outbox.c.status == "pending",
            mail_outbox.c.attempts == 0,
        )
        .values(status="dropped", last_error="update retracted")
    )
    readers = connection.execute(
        sa.select(mail_outbox.c.account_id).where(
            mail_outbox.c.update_id == event.update_id,
            mail_outbox.c.status.in_(("sent", "pending")),
        )
    ).scalars()
    now = clock()
    url = update_page(updates_settings, event.campaign_id, event.update_id)
    queued = 0
    for account_id in readers:
        message = wording.update_retracted(
            recipient_words(uow, account_id), mailed.campaign_title, mailed.title, event.reason, url
        )
        _queue(
            uow,
            now,
            event,
            account_id,
            "update_retracted",
            message,
            campaign,
            list_kind=UPDATES,
            key=_key("retracted", event.update_id, account_id),
        )
        queued += 1
    log.info("pledge_mail.retraction_queued", update_id=str(event.update_id), readers=queued)


# --- helpers ------------------------------------------------------------------------------------


def _key(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_KEYS, ":".join(str(part) for part in parts))


def _queue(
    uow: UpdatesUnitOfWork,
    now: datetime,
    event: PledgeCreated | PledgeChanged | PledgeRefunded | CommentPosted | UpdateRetracted,
    account_id: uuid.UUID,
    purpose: str,
    message: wording.Message,
    campaign: dict[str, Any],
    *,
    list_kind: str | None = None,
    key: uuid.UUID | None = None,
) -> None:
    """Queue `message` to `account_id` once per `key` (the event's id unless given), to be sent
    within NOTICE_LIFETIME of the event (as payment notices are)."""
    key = key or event.event_id
    subject = message.subject
    body = with_test_mode(uow, account_id, message.text, campaign["test_mode"])
    queue_message(
        uow,
        now,
        key,
        account_id,
        purpose,
        "",
        event.occurred_at + NOTICE_LIFETIME,
        subject=subject,
        body=body,
        campaign_id=campaign["id"] if list_kind else None,
        list_kind=list_kind,
    )
    log.info("pledge_mail.queued", key=str(key), purpose=purpose)
