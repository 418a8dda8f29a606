"""The updates API's request and response schemas (the wire; the domain checks the rules)."""

from __future__ import annotations

import marshmallow as ma

from services.updates.domain.texts import BODY_MAX, COMMENT_MAX, REASON_MAX, TITLE_MAX
from shared.web.fields import Text

VISIBILITIES = ("public", "backers")


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class UpdateIn(Strict):
    title = Text(required=True, max_length=TITLE_MAX)
    body = Text(
        required=True,
        max_length=BODY_MAX,
        multiline=True,
        metadata={"description": "Markdown (raw HTML is shown as text); stored as written"},
    )
    visibility = ma.fields.String(required=True, validate=ma.validate.OneOf(VISIBILITIES))
    pinned = ma.fields.Boolean(load_default=False)


class UpdatePatch(Strict):
    title = Text(max_length=TITLE_MAX)
    body = Text(max_length=BODY_MAX, multiline=True)


class PreviewIn(Strict):
    body = Text(
        required=True,
        max_length=BODY_MAX,
        multiline=True,
        metadata={"description": "Markdown, under the same rules as an update's body"},
    )


class PreviewOut(ma.Schema):
    body_html = ma.fields.String(
        metadata={"description": "Rendered and sanitised HTML, exactly as an update would show"}
    )


class ReasonIn(Strict):
    reason = Text(required=True, max_length=REASON_MAX, multiline=True)


class CommentIn(Strict):
    body = Text(
        required=True,
        max_length=COMMENT_MAX,
        multiline=True,
        metadata={"description": "Plain text"},
    )
    in_reply_to = ma.fields.UUID(load_default=None, allow_none=True)


class UpdateOut(ma.Schema):
    """An update. Someone who may not read a backers-only update gets only `id`, `visibility`
    and `published_at`; a retracted update has null `title` and `body`, and its `body_html` is
    the retraction notice."""

    id = ma.fields.UUID()
    campaign_id = ma.fields.UUID()
    kind = ma.fields.String(metadata={"enum": ["manual", "automatic"]})
    title = ma.fields.String(allow_none=True)
    body = ma.fields.String(allow_none=True, metadata={"description": "Markdown as written"})
    body_html = ma.fields.String(metadata={"description": "Rendered and sanitised HTML"})
    visibility = ma.fields.String(metadata={"enum": list(VISIBILITIES)})
    pinned = ma.fields.Boolean()
    published_at = ma.fields.AwareDateTime()
    revised_at = ma.fields.AwareDateTime(allow_none=True)
    revision_count = ma.fields.Integer()
    retracted = ma.fields.Boolean()
    retracted_at = ma.fields.AwareDateTime(allow_none=True)
    retraction_reason = ma.fields.String(allow_none=True)


class UpdateListOut(ma.Schema):
    updates = ma.fields.List(ma.fields.Nested(UpdateOut))


class RevisionOut(ma.Schema):
    """One version; `title`, `body` and `body_html` only for those who may read the update."""

    number = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    title = ma.fields.String()
    body = ma.fields.String()
    body_html = ma.fields.String()


class RevisionListOut(ma.Schema):
    revisions = ma.fields.List(ma.fields.Nested(RevisionOut))


class CommentOut(ma.Schema):
    """A comment; a hidden one is only `{id, hidden, hidden_reason, hidden_at}`."""

    id = ma.fields.UUID()
    update_id = ma.fields.UUID()
    author_id = ma.fields.UUID()
    author_is_creator = ma.fields.Boolean()
    in_reply_to = ma.fields.UUID(allow_none=True)
    body = ma.fields.String()
    posted_at = ma.fields.AwareDateTime()
    hidden = ma.fields.Boolean()
    hidden_reason = ma.fields.String()
    hidden_at = ma.fields.AwareDateTime()


class CommentListOut(ma.Schema):
    comments = ma.fields.List(ma.fields.Nested(CommentOut))
