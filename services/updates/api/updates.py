"""Creator updates over HTTP: post, list, read, edit (every revision kept), retract, preview."""

from __future__ import annotations

import uuid
from typing import Any

from services.updates import commands, handlers, queries
from services.updates.api.blueprint import viewer_id
from services.updates.api.schemas import (
    PreviewIn,
    PreviewOut,
    ReasonIn,
    RevisionListOut,
    UpdateIn,
    UpdateListOut,
    UpdateOut,
    UpdatePatch,
)
from services.updates.bootstrap import current_dependencies
from shared.web.api import PUBLIC_OR_BEARER, Blueprint
from shared.web.auth import current_principal

blp = Blueprint(
    "updates",
    __name__,
    url_prefix="/api/v1",
    description="Creators' updates to their backers, and the automatic ones",
)


@blp.post("/campaigns/<uuid:campaign_id>/updates")
@blp.authenticated("creator")
@blp.arguments(UpdateIn)
@blp.response(201, UpdateOut)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such campaign")
@blp.problem(413, "The request body is too large")
def post_update(body: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """Post an update on your campaign: a Markdown body, `public` or for `backers` only."""
    root = current_dependencies()
    update = handlers.publish_update(
        commands.PostUpdate(
            campaign_id=campaign_id, author_id=current_principal().account_id, **body
        ),
        root.uow_factory(),
        root.updates_settings,
        root.clock,
    )
    return queries.update_view(update, readable=True)


@blp.get("/campaigns/<uuid:campaign_id>/updates")
@blp.response(200, UpdateListOut)
@blp.doc(security=PUBLIC_OR_BEARER)
@blp.problem(401, "A token was given but is not valid")
@blp.problem(404, "No such campaign")
def list_updates(campaign_id: uuid.UUID) -> dict[str, Any]:
    """The campaign's updates, pinned first, then newest first. Backers-only ones show their
    content to the campaign's backers and creator; others see `{id, visibility, published_at}`."""
    viewer = viewer_id()  # first: the token check reads the database on its own connection
    with current_dependencies().uow_factory() as uow:
        return queries.campaign_updates(uow, campaign_id, viewer)


@blp.get("/updates/<uuid:update_id>")
@blp.response(200, UpdateOut)
@blp.doc(security=PUBLIC_OR_BEARER)
@blp.problem(401, "A token was given but is not valid")
@blp.problem(404, "No such update")
def get_update(update_id: uuid.UUID) -> dict[str, Any]:
    """One update, as the caller may see it."""
    viewer = viewer_id()  # first: the token check reads the database on its own connection
    with current_dependencies().uow_factory() as uow:
        return queries.one_update(uow, update_id, viewer)


@blp.patch("/updates/<uuid:update_id>")
@blp.authenticated("creator")
@blp.arguments(UpdatePatch)
@blp.response(200, UpdateOut)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such update")
@blp.problem(409, "An automatic or retracted update cannot be edited")
@blp.problem(413, "The request body is too large")
def revise_update(body: dict[str, Any], update_id: uuid.UUID) -> dict[str, Any]:
    """Edit the title and/or body; the new version is kept beside every earlier one."""
    root = current_dependencies()
    update = handlers.revise_update(
        commands.ReviseUpdate(
            update_id=update_id, editor_id=current_principal().account_id, **body
        ),
        root.uow_factory(),
        root.updates_settings,
        root.clock,
    )
    return queries.update_view(update, readable=True)


@blp.get("/updates/<uuid:update_id>/revisions")
@blp.response(200, RevisionListOut)
@blp.doc(security=PUBLIC_OR_BEARER)
@blp.problem(401, "A token was given but is not valid")
@blp.problem(404, "No such update")
def list_revisions(update_id: uuid.UUID) -> dict[str, Any]:
    """Every version of the update, oldest first; the text only to those who may read it."""
    viewer = viewer_id()  # first: the token check reads the database on its own connection
    with current_dependencies().uow_factory() as uow:
        return queries.revisions(uow, update_id, viewer)


@blp.post("/updates/<uuid:update_id>/retract")
@blp.authenticated("creator")
@blp.arguments(ReasonIn)
@blp.response(200, UpdateOut)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such update")
@blp.problem(409, "Automatic or already retracted")
def retract_update(body: dict[str, Any], update_id: uuid.UUID) -> dict[str, Any]:
    """Retract an update: a notice with the reason stands in its place; nothing is deleted."""
    root = current_dependencies()
    update = handlers.retract_update(
        commands.RetractUpdate(
            update_id=update_id, actor_id=current_principal().account_id, reason=body["reason"]
        ),
        root.uow_factory(),
        root.updates_settings,
        root.clock,
    )
    return queries.update_view(update, readable=True)


@blp.post("/previews")
@blp.authenticated("creator")
@blp.arguments(PreviewIn)
@blp.response(200, PreviewOut)
@blp.problem(403, "Only creators preview updates")
@blp.problem(413, "The request body is too large")
def preview_update(body: dict[str, Any]) -> dict[str, str]:
    """The HTML a Markdown body would be published with (same renderer, same sanitiser, same
    limits as an update's body), for a creator to check before posting or saving. Nothing is
    stored and nothing is announced."""
    return queries.preview(body["body"])
