"""The updates service's read side: who may see which update, revision and comment, decided once.

The JSON API and the Atom feed ask these functions; routes stay thin. Nothing here writes.
A backers-only update shows a non-reader only `{id, visibility, published_at}`; a retracted
update shows its retraction notice in place of its title and body, everywhere.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from typing import Any

from services.updates.domain import CampaignFacts, Comment, Update, Visibility, may_read
from services.updates.domain.errors import NotAReader, UnknownCampaign, UpdateNotFound
from services.updates.domain.texts import checked_markdown
from services.updates.unit_of_work import UpdatesUnitOfWork
from shared.markdown import markdown_to_html, render_markdown


@dataclass(frozen=True)
class Audience:
    """How one caller stands towards one campaign."""

    is_creator: bool
    is_backer: bool

    def may_read(self, update: Update) -> bool:
        return may_read(update.visibility, is_creator=self.is_creator, is_backer=self.is_backer)


def public_campaign(uow: UpdatesUnitOfWork, campaign_id: uuid.UUID) -> CampaignFacts:
    """The campaign, unless unknown or a draft (its creator's business, in the pledges service)."""
    campaign = uow.campaigns.facts(campaign_id)
    if campaign is None or campaign.status == "draft":
        raise UnknownCampaign(f"No campaign {campaign_id} in the updates service.")
    return campaign


def audience(
    uow: UpdatesUnitOfWork, campaign: CampaignFacts, viewer_id: uuid.UUID | None
) -> Audience:
    if viewer_id is None:
        return Audience(is_creator=False, is_backer=False)
    return Audience(
        is_creator=viewer_id == campaign.creator_id,
        is_backer=uow.backers.is_reader(campaign.campaign_id, viewer_id),
    )


def campaign_updates(
    uow: UpdatesUnitOfWork, campaign_id: uuid.UUID, viewer_id: uuid.UUID | None
) -> dict[str, Any]:
    """The campaign's updates, pinned first, then newest first."""
    campaign = public_campaign(uow, campaign_id)
    who = audience(uow, campaign, viewer_id)
    return {
        "updates": [
            update_view(update, who.may_read(update))
            for update in uow.updates.of_campaign(campaign_id)
        ]
    }


def one_update(
    uow: UpdatesUnitOfWork, update_id: uuid.UUID, viewer_id: uuid.UUID | None
) -> dict[str, Any]:
    update, who = _update_and_audience(uow, update_id, viewer_id)
    return update_view(update, who.may_read(update))


def revisions(
    uow: UpdatesUnitOfWork, update_id: uuid.UUID, viewer_id: uuid.UUID | None
) -> dict[str, Any]:
    """Every version, oldest first; their text only to those who may read the update (and to
    nobody once it is retracted), their numbers and times to all: edits are never silent."""
    update, who = _update_and_audience(uow, update_id, viewer_id)
    with_text = who.may_read(update) and not update.retracted
    views = []
    for revision in uow.updates.revisions(update_id):
        view: dict[str, Any] = {"number": revision.number, "created_at": revision.created_at}
        if with_text:
            view |= {
                "title": revision.title,
                "body": revision.body,
                "body_html": render_markdown(revision.body),
            }
        views.append(view)
    return {"revisions": views}


def preview(body: object) -> dict[str, str]:
    """The HTML an update with `body` would be published with, under the same rules as a real
    body (`checked_markdown`), so a preview the service refuses would not publish either."""
    return {"body_html": markdown_to_html(checked_markdown(body))}


def thread(uow: UpdatesUnitOfWork, update_id: uuid.UUID, viewer_id: uuid.UUID) -> dict[str, Any]:
    """The update's comments, oldest first, for the campaign's backers and creator only."""
    update, who = _update_and_audience(uow, update_id, viewer_id)
    if not (who.is_creator or who.is_backer):
        raise NotAReader("only the campaign's backers and its creator may read its comments")
    creator_id = public_campaign(uow, update.campaign_id).creator_id
    return {"comments": [comment_view(c, creator_id) for c in uow.comments.thread(update_id)]}


def feed_updates(
    uow: UpdatesUnitOfWork, campaign_id: uuid.UUID
) -> tuple[CampaignFacts, list[Update]]:
    """The campaign and its public updates (retracted ones included, as their notices)."""
    campaign = public_campaign(uow, campaign_id)
    public = [u for u in uow.updates.of_campaign(campaign_id) if u.visibility is Visibility.PUBLIC]
    return campaign, public


def update_view(update: Update, readable: bool) -> dict[str, Any]:
    if not readable:
        return {
            "id": update.id,
            "visibility": update.visibility.value,
            "published_at": update.published_at,
        }
    view: dict[str, Any] = {
        "id": update.id,
        "campaign_id": update.campaign_id,
        "kind": update.kind.value,
        "title": update.title,
        "body": update.body,
        "body_html": render_markdown(update.body),
        "visibility": update.visibility.value,
        "pinned": update.pinned,
        "published_at": update.published_at,
        "revised_at": update.revised_at,
        "revision_count": update.revision_count,
        "retracted": update.retracted,
        "retracted_at": update.retracted_at,
        "retraction_reason": update.retraction_reason,
    }
    if update.retracted:
        view |= {"title": None, "body": None, "body_html": retraction_notice(update)}
    return view


def retraction_notice(update: Update) -> str:
    """The notice that stands in for a retracted update's content (the reason escaped)."""
    assert update.retracted_at is not None
    reason = html.escape(update.retraction_reason or "")
    return (
        f"<p><strong>This update was retracted</strong> on "
        f"{update.retracted_at:%Y-%m-%d %H:%M} UTC.</p>\n<p>Reason: {reason}</p>\n"
    )


def comment_view(comment: Comment, creator_id: uuid.UUID) -> dict[str, Any]:
    if comment.hidden:
        return {
            "id": comment.id,
            "hidden": True,
            "hidden_reason": comment.hidden_reason,
            "hidden_at": comment.hidden_at,
        }
    return {
        "id": comment.id,
        "update_id": comment.update_id,
        "author_id": comment.author_id,
        "author_is_creator": comment.author_id == creator_id,
        "in_reply_to": comment.in_reply_to,
        "body": comment.body,
        "posted_at": comment.posted_at,
        "hidden": False,
    }


def _update_and_audience(
    uow: UpdatesUnitOfWork, update_id: uuid.UUID, viewer_id: uuid.UUID | None
) -> tuple[Update, Audience]:
    update = uow.updates.get(update_id)
    if update is None:
        raise UpdateNotFound(f"No update {update_id}.")
    campaign = public_campaign(uow, update.campaign_id)
    return update, audience(uow, campaign, viewer_id)
