"""Questions and answers under updates: the campaign's backers and creator, rate-limited."""

from __future__ import annotations

import uuid
from typing import Any

from services.updates import commands, handlers, queries
from services.updates.api.schemas import CommentIn, CommentListOut, CommentOut, ReasonIn
from services.updates.bootstrap import current_dependencies
from shared.web.api import Blueprint
from shared.web.auth import current_principal

blp = Blueprint(
    "comments",
    __name__,
    url_prefix="/api/v1",
    description="Backers' questions and the creator's answers under updates",
)


@blp.post("/updates/<uuid:update_id>/comments")
@blp.authenticated()
@blp.arguments(CommentIn)
@blp.response(201, CommentOut)
@blp.problem(403, "Not a backer or the creator of the campaign")
@blp.problem(404, "No such update")
@blp.problem(409, "The update was retracted")
@blp.problem(429, "Too many comments: see Retry-After")
def post_comment(body: dict[str, Any], update_id: uuid.UUID) -> dict[str, Any]:
    """Comment on an update (plain text); `in_reply_to` answers a comment of the same thread."""
    root = current_dependencies()
    principal = current_principal()
    comment = handlers.add_comment(
        commands.PostComment(update_id=update_id, author_id=principal.account_id, **body),
        root.uow_factory(),
        root.updates_settings,
        root.clock,
    )
    with root.uow_factory() as uow:
        creator_id = queries.public_campaign(uow, comment.campaign_id).creator_id
    return queries.comment_view(comment, creator_id)


@blp.get("/updates/<uuid:update_id>/comments")
@blp.authenticated()
@blp.response(200, CommentListOut)
@blp.problem(403, "Not a backer or the creator of the campaign")
@blp.problem(404, "No such update")
def list_comments(update_id: uuid.UUID) -> dict[str, Any]:
    """The thread, oldest first; hidden comments stay in it without their text."""
    with current_dependencies().uow_factory() as uow:
        return queries.thread(uow, update_id, current_principal().account_id)


@blp.post("/comments/<uuid:comment_id>/hide")
@blp.authenticated("creator")
@blp.arguments(ReasonIn)
@blp.response(200, CommentOut)
@blp.problem(403, "Not the campaign's creator")
@blp.problem(404, "No such comment")
@blp.problem(409, "Already hidden")
def hide_comment(body: dict[str, Any], comment_id: uuid.UUID) -> dict[str, Any]:
    """Hide an abusive comment, with a reason; it stays in the thread without its text."""
    root = current_dependencies()
    principal = current_principal()
    comment = handlers.hide_comment(
        commands.HideComment(
            comment_id=comment_id, actor_id=principal.account_id, reason=body["reason"]
        ),
        root.uow_factory(),
        root.clock,
    )
    return queries.comment_view(comment, principal.account_id)
