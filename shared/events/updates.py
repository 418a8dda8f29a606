"""Payloads on `updates.events`: what the updates service announces about updates and comments.

Accounts appear only as opaque ids: no event here carries an e-mail address, and a hidden
comment's text never travels again.
"""

import marshmallow as ma

from shared.events.envelope import Payload, event_schema

UPDATE_KINDS = ("manual", "automatic")
VISIBILITIES = ("public", "backers")


class UpdatePayload(Payload):
    campaign_id = ma.fields.UUID(required=True)
    update_id = ma.fields.UUID(required=True)
    #: Absolute URL of the update in the updates service's API.
    url = ma.fields.Url(required=True, require_tld=False, schemes={"http", "https"})


@event_schema("update.published")
class UpdatePublished(UpdatePayload):
    """A creator posted an update, or the service announced a milestone (`kind` automatic).

    Carries everything a notification needs, so a mailer builds its message from this alone.
    """

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(UPDATE_KINDS))
    #: `backers`: only the campaign's backers (live or collected pledges) and creator may read.
    visibility = ma.fields.String(required=True, validate=ma.validate.OneOf(VISIBILITIES))
    title = ma.fields.String(required=True)
    #: The body rendered from Markdown and sanitised against the allow-list: safe to show.
    body_html = ma.fields.String(required=True)
    published_at = ma.fields.AwareDateTime(required=True)


@event_schema("update.revised")
class UpdateRevised(UpdatePayload):
    """Its creator edited an update; `revision` counts from 1 (the version first published)."""

    revision = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=2))
    visibility = ma.fields.String(required=True, validate=ma.validate.OneOf(VISIBILITIES))
    title = ma.fields.String(required=True)
    body_html = ma.fields.String(required=True)
    revised_at = ma.fields.AwareDateTime(required=True)


@event_schema("update.retracted")
class UpdateRetracted(UpdatePayload):
    """Its creator retracted an update: a notice with the reason now stands in its place."""

    reason = ma.fields.String(required=True)
    retracted_at = ma.fields.AwareDateTime(required=True)


@event_schema("comment.posted")
class CommentPosted(Payload):
    """A backer or the creator commented on an update (plain text)."""

    campaign_id = ma.fields.UUID(required=True)
    update_id = ma.fields.UUID(required=True)
    comment_id = ma.fields.UUID(required=True)
    author_id = ma.fields.UUID(required=True)
    #: Whether the author is the campaign's creator (an answer, most often).
    author_is_creator = ma.fields.Boolean(required=True)
    in_reply_to = ma.fields.UUID(required=True, allow_none=True)
    body = ma.fields.String(required=True)
    posted_at = ma.fields.AwareDateTime(required=True)


@event_schema("comment.hidden")
class CommentHidden(Payload):
    """The campaign's creator hid a comment; its text is not repeated here."""

    campaign_id = ma.fields.UUID(required=True)
    update_id = ma.fields.UUID(required=True)
    comment_id = ma.fields.UUID(required=True)
    reason = ma.fields.String(required=True)
    hidden_at = ma.fields.AwareDateTime(required=True)
