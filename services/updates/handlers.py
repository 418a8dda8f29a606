"""The updates service's handlers: one per event it consumes and per command it takes.

Event handlers run inside the unit of work the consumer opened (and commits after recording the
event id, so a redelivered event is skipped); command handlers open and commit their own. Every
change is announced on `updates.events` through the outbox, in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from services.updates import commands
from services.updates.adapters import events
from services.updates.domain import (
    CampaignFacts,
    Comment,
    RateLimit,
    Update,
    automatic_update,
    post_comment,
    post_update,
)
from services.updates.domain import automatic as announcements
from services.updates.domain.errors import CommentNotFound, UnknownCampaign, UpdateNotFound
from services.updates.settings import UpdatesSettings
from services.updates.unit_of_work import UpdatesUnitOfWork
from services.updates.words import words
from shared.clock import Clock
from shared.events.catalog import (
    CampaignCancelled,
    CampaignEvent,
    CampaignFailed,
    CampaignLaunched,
    CampaignSucceeded,
    PledgeChanged,
    PledgeCreated,
    PledgeEvent,
    ReportPublished,
)
from shared.languages import DEFAULT_LANGUAGE

# --- events ------------------------------------------------------------------------------------


def on_campaign_event(
    event: CampaignEvent, uow: UpdatesUnitOfWork, updates_settings: UpdatesSettings
) -> None:
    """Any `campaign.*` event: the read model follows the campaign (late, stale ones ignored);
    a launch, a settlement and a cancellation are announced, each once."""
    before = uow.campaigns.facts(event.campaign_id)
    uow.campaigns.record(event)
    announcement: announcements.Announcement | None = None
    if isinstance(event, CampaignCancelled):
        # A draft cancelled was never public: nobody follows it. Without the campaign's history
        # (never heard of), released pledges show it was live.
        was_public = event.released_count > 0 if before is None else before.status != "draft"
        if was_public:
            announcement = announcements.cancelled(words(event.language), event.released_count)
    elif isinstance(event, CampaignLaunched):
        announcement = announcements.launched(
            words(event.language),
            event.title,
            event.goal_amount,
            event.currency,
            event.deadline,
            event.funding_model,
        )
    elif isinstance(event, CampaignSucceeded | CampaignFailed):
        settle = (
            announcements.succeeded
            if isinstance(event, CampaignSucceeded)
            else announcements.failed
        )
        announcement = settle(
            words(event.language),
            event.pledged_amount,
            event.goal_amount,
            event.currency,
            event.backers_count,
        )
    if announcement is not None:
        _announce(uow, event.campaign_id, announcement, event.occurred_at, updates_settings)


def on_pledge_event(
    event: PledgeEvent, uow: UpdatesUnitOfWork, updates_settings: UpdatesSettings
) -> None:
    """Any `pledge.*` event: the roster follows the pledge; the first new or raised pledge
    that takes the live total to the goal is announced (once, even if the total dips later)."""
    uow.backers.record(event)
    if not isinstance(event, PledgeCreated | PledgeChanged):
        return  # only these can raise the total
    campaign = uow.campaigns.facts(event.campaign_id)
    if campaign is None or not campaign.goal_amount or campaign.currency is None:
        return
    pledged, backers = uow.backers.pledged(event.campaign_id)
    if pledged >= campaign.goal_amount:
        announcement = announcements.goal_reached(
            words(campaign.language), pledged, campaign.goal_amount, campaign.currency, backers
        )
        _announce(uow, event.campaign_id, announcement, event.occurred_at, updates_settings)


def on_report_published(
    event: ReportPublished, uow: UpdatesUnitOfWork, updates_settings: UpdatesSettings
) -> None:
    """The ledger published a spending report: announce it with its figures and checkpoint."""
    figures = announcements.ReportFigures(
        report_id=event.report_id,
        url=event.url,
        currency=event.currency,
        raised=event.raised,
        refunded=event.refunded,
        spent=event.spent,
        available=event.available,
        shortfall=event.shortfall,
        tree_size=event.tree_size,
        root_hash=event.root_hash,
    )
    campaign = uow.campaigns.facts(event.campaign_id)
    # A report of a campaign never heard of (a stray event) is announced in English.
    language = campaign.language if campaign else DEFAULT_LANGUAGE
    announcement = announcements.report_published(words(language), figures)
    _announce(uow, event.campaign_id, announcement, event.published_at, updates_settings)


def _announce(
    uow: UpdatesUnitOfWork,
    campaign_id: uuid.UUID,
    announcement: announcements.Announcement,
    at: datetime,
    updates_settings: UpdatesSettings,
) -> None:
    update = automatic_update(
        campaign_id, announcement.key, announcement.title, announcement.body, at
    )
    # The key is unique per campaign: a replayed or repeated event inserts nothing.
    if uow.updates.add(update):
        uow.publish(
            events.UPDATES_TOPIC, events.update_published(update, updates_settings.public_url)
        )


# --- commands ----------------------------------------------------------------------------------


def publish_update(
    command: commands.PostUpdate,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Clock,
) -> Update:
    with uow:
        campaign = _campaign(uow, command.campaign_id)
        update = post_update(
            campaign,
            update_id=command.update_id,
            author_id=command.author_id,
            title=command.title,
            body=command.body,
            visibility=command.visibility,
            pinned=command.pinned,
            now=clock(),
        )
        uow.updates.add(update)
        uow.publish(
            events.UPDATES_TOPIC, events.update_published(update, updates_settings.public_url)
        )
        uow.commit()
    return update


def revise_update(
    command: commands.ReviseUpdate,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Clock,
) -> Update:
    """Edit an update; an edit that changes nothing records no revision and announces nothing."""
    with uow:
        update = _update(uow, command.update_id)
        campaign = _campaign(uow, update.campaign_id)
        revision = update.revise(
            command.editor_id,
            campaign.creator_id,
            title=command.title,
            body=command.body,
            now=clock(),
        )
        if revision is not None:
            uow.updates.save(update)
            uow.publish(
                events.UPDATES_TOPIC, events.update_revised(update, updates_settings.public_url)
            )
            uow.commit()
    return update


def retract_update(
    command: commands.RetractUpdate,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Clock,
) -> Update:
    with uow:
        update = _update(uow, command.update_id)
        campaign = _campaign(uow, update.campaign_id)
        update.retract(command.actor_id, campaign.creator_id, command.reason, clock())
        uow.updates.save(update)
        uow.publish(
            events.UPDATES_TOPIC, events.update_retracted(update, updates_settings.public_url)
        )
        uow.commit()
    return update


def add_comment(
    command: commands.PostComment,
    uow: UpdatesUnitOfWork,
    updates_settings: UpdatesSettings,
    clock: Clock,
) -> Comment:
    with uow:
        update = _update(uow, command.update_id, lock=False)
        campaign = _campaign(uow, update.campaign_id)
        # Held to the end of the transaction: the count below cannot go stale under us.
        uow.comments.lock_author(command.author_id)
        now = clock()
        window = timedelta(seconds=updates_settings.comment_rate_window)
        reply_to = None if command.in_reply_to is None else uow.comments.get(command.in_reply_to)
        comment = post_comment(
            update,
            comment_id=command.comment_id,
            author_id=command.author_id,
            creator_id=campaign.creator_id,
            author_is_backer=uow.backers.is_reader(campaign.campaign_id, command.author_id),
            body=command.body,
            reply_to=reply_to,
            in_reply_to=command.in_reply_to,
            recent=uow.comments.posted_since(command.author_id, now - window),
            rate_limit=RateLimit(updates_settings.comment_rate_count, window),
            now=now,
        )
        uow.comments.add(comment)
        author_is_creator = comment.author_id == campaign.creator_id
        uow.publish(
            events.UPDATES_TOPIC,
            events.comment_posted(comment, author_is_creator=author_is_creator),
        )
        uow.commit()
    return comment


def hide_comment(command: commands.HideComment, uow: UpdatesUnitOfWork, clock: Clock) -> Comment:
    with uow:
        comment = uow.comments.get(command.comment_id, for_update=True)
        if comment is None:
            raise CommentNotFound(f"No comment {command.comment_id}.")
        campaign = _campaign(uow, comment.campaign_id)
        comment.hide(command.actor_id, campaign.creator_id, command.reason, clock())
        uow.comments.save_hidden(comment)
        uow.publish(events.UPDATES_TOPIC, events.comment_hidden(comment))
        uow.commit()
    return comment


def _campaign(uow: UpdatesUnitOfWork, campaign_id: uuid.UUID) -> CampaignFacts:
    campaign = uow.campaigns.facts(campaign_id)
    if campaign is None or campaign.status == "draft":
        raise UnknownCampaign(f"No campaign {campaign_id} in the updates service.")
    return campaign


def _update(uow: UpdatesUnitOfWork, update_id: uuid.UUID, *, lock: bool = True) -> Update:
    update = uow.updates.get(update_id, for_update=lock)
    if update is None:
        raise UpdateNotFound(f"No update {update_id}.")
    return update
