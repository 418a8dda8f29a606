"""The wire form of what the updates service announces: envelopes for `updates.events`."""

from __future__ import annotations

from services.updates.domain import Comment, Update
from shared import topics
from shared.events import Envelope, new_envelope
from shared.markdown import render_markdown

PRODUCER = "updates"
UPDATES_TOPIC = topics.UPDATES


def update_url(public_url: str, update: Update) -> str:
    return f"{public_url}/api/v1/updates/{update.id}"


def update_published(update: Update, public_url: str) -> Envelope:
    return new_envelope(
        "update.published",
        {
            "campaign_id": update.campaign_id,
            "update_id": update.id,
            "url": update_url(public_url, update),
            "kind": update.kind.value,
            "visibility": update.visibility.value,
            "title": update.title,
            "body_html": render_markdown(update.body),
            "published_at": update.published_at,
        },
        producer=PRODUCER,
        campaign_id=update.campaign_id,
        occurred_at=update.published_at,
    )


def update_revised(update: Update, public_url: str) -> Envelope:
    assert update.revised_at is not None
    return new_envelope(
        "update.revised",
        {
            "campaign_id": update.campaign_id,
            "update_id": update.id,
            "url": update_url(public_url, update),
            "revision": update.revision_count,
            "visibility": update.visibility.value,
            "title": update.title,
            "body_html": render_markdown(update.body),
            "revised_at": update.revised_at,
        },
        producer=PRODUCER,
        campaign_id=update.campaign_id,
        occurred_at=update.revised_at,
    )


def update_retracted(update: Update, public_url: str) -> Envelope:
    assert update.retracted_at is not None
    return new_envelope(
        "update.retracted",
        {
            "campaign_id": update.campaign_id,
            "update_id": update.id,
            "url": update_url(public_url, update),
            "reason": update.retraction_reason,
            "retracted_at": update.retracted_at,
        },
        producer=PRODUCER,
        campaign_id=update.campaign_id,
        occurred_at=update.retracted_at,
    )


def comment_posted(comment: Comment, *, author_is_creator: bool) -> Envelope:
    return new_envelope(
        "comment.posted",
        {
            "campaign_id": comment.campaign_id,
            "update_id": comment.update_id,
            "comment_id": comment.id,
            "author_id": comment.author_id,
            "author_is_creator": author_is_creator,
            "in_reply_to": comment.in_reply_to,
            "body": comment.body,
            "posted_at": comment.posted_at,
        },
        producer=PRODUCER,
        campaign_id=comment.campaign_id,
        occurred_at=comment.posted_at,
    )


def comment_hidden(comment: Comment) -> Envelope:
    assert comment.hidden_at is not None
    return new_envelope(
        "comment.hidden",
        {
            "campaign_id": comment.campaign_id,
            "update_id": comment.update_id,
            "comment_id": comment.id,
            "reason": comment.hidden_reason,
            "hidden_at": comment.hidden_at,
        },
        producer=PRODUCER,
        campaign_id=comment.campaign_id,
        occurred_at=comment.hidden_at,
    )
