"""Campaigns over HTTP: creators draft and edit them; anyone reads them."""

from __future__ import annotations

import uuid
from typing import Any

from services.pledges import commands, handlers
from services.pledges.api import context
from services.pledges.api.schemas import (
    CampaignEdit,
    CampaignIn,
    CampaignList,
    CampaignOut,
    CampaignQuery,
    RevisionList,
)
from services.pledges.bootstrap import current_dependencies
from services.pledges.domain.values import BudgetLine, CampaignStatus, TierSpec
from shared.markdown import render_markdown
from shared.web.api import PUBLIC_OR_BEARER, Blueprint
from shared.web.auth import current_principal, optional_principal
from shared.web.problems import Problem

blp = Blueprint("campaigns", __name__, url_prefix="/api/v1", description="Campaigns")


@blp.post("/campaigns")
@blp.authenticated("creator")
@blp.arguments(CampaignIn)
@blp.response(201, CampaignOut)
@blp.problem(403, "Only creators draft campaigns")
@blp.problem(415, "The body is not JSON")
@blp.problem(422, "A term is missing or invalid; `errors` names it")
def create_campaign(body: dict[str, Any]) -> dict[str, Any]:
    """Draft a campaign; it takes pledges once launched."""
    dependencies = current_dependencies()
    command = commands.CreateCampaign(
        creator_id=current_principal().account_id,
        title=body["title"],
        description=body["description"],
        goal_amount=body["goal_amount"],
        currency=body["currency"],
        deadline=body["deadline"],
        funding_model=body["funding_model"],
        tiers=tuple(TierSpec(**tier) for tier in body["tiers"]),
        budget=tuple(BudgetLine(**line) for line in body["budget"]),
        language=body["language"],
    )
    return context.campaign_view(
        handlers.create_campaign(
            command,
            dependencies.uow_factory(),
            dependencies.clock,
            test_mode=not dependencies.payment_gateway().moves_money,
        )
    )


@blp.patch("/campaigns/<uuid:campaign_id>")
@blp.authenticated("creator")
@blp.arguments(CampaignEdit)
@blp.response(200, CampaignOut)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such campaign")
@blp.problem(409, "A term backers pledged on cannot change after launch; `errors` names it")
@blp.problem(415, "The body is not JSON")
@blp.problem(422, "A term is invalid; `errors` names every one")
def edit_campaign(body: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """Edit a draft: each given field replaces the old one; `tiers` and `budget` are replaced
    whole (give a tier's `id` to keep it). After launch, revise the title, the story and the
    tiers' words; each revision is kept in the public history (`/revisions`)."""
    dependencies = current_dependencies()
    tiers = body.get("tiers")
    budget = body.get("budget")
    command = commands.UpdateCampaign(
        campaign_id=campaign_id,
        actor_id=current_principal().account_id,
        title=body.get("title"),
        description=body.get("description"),
        goal_amount=body.get("goal_amount"),
        currency=body.get("currency"),
        deadline=body.get("deadline"),
        funding_model=body.get("funding_model"),
        tiers=None if tiers is None else tuple(TierSpec(**tier) for tier in tiers),
        budget=None if budget is None else tuple(BudgetLine(**line) for line in budget),
        language=body.get("language"),
    )
    return context.campaign_view(
        handlers.update_campaign(command, dependencies.uow_factory(), dependencies.clock)
    )


@blp.get("/campaigns")
@blp.arguments(CampaignQuery, location="query")
@blp.response(200, CampaignList)
@blp.doc(security=PUBLIC_OR_BEARER)
@blp.problem(401, "A token was given but is not valid")
def list_campaigns(query: dict[str, Any]) -> dict[str, Any]:
    """Campaigns, newest first; `status` (repeated for several) and `q` (words in the title)
    filter. Drafts appear only to their creator."""
    dependencies = current_dependencies()
    viewer = _viewer()
    with dependencies.uow_factory() as uow:
        found = uow.campaigns.list(
            statuses=query["status"],
            viewer=viewer,
            title_contains=_words(query["q"]),
            limit=query["limit"],
            offset=query["offset"],
        )
    moment = dependencies.clock()
    return {"campaigns": [context.campaign_view(campaign, moment) for campaign in found]}


@blp.get("/me/campaigns")
@blp.authenticated()
@blp.arguments(CampaignQuery, location="query")
@blp.response(200, CampaignList)
def my_campaigns(query: dict[str, Any]) -> dict[str, Any]:
    """The caller's own campaigns, drafts included, newest first; `status` and `q` filter.
    Empty for accounts that draft none (backers, auditors)."""
    dependencies = current_dependencies()
    me = current_principal().account_id
    with dependencies.uow_factory() as uow:
        found = uow.campaigns.list(
            statuses=query["status"],
            viewer=me,
            creator_id=me,
            title_contains=_words(query["q"]),
            limit=query["limit"],
            offset=query["offset"],
        )
    moment = dependencies.clock()
    return {"campaigns": [context.campaign_view(campaign, moment) for campaign in found]}


@blp.get("/campaigns/<uuid:campaign_id>")
@blp.response(200, CampaignOut)
@blp.doc(security=PUBLIC_OR_BEARER)
@blp.problem(401, "A token was given but is not valid")
@blp.problem(404, "No such campaign (a draft is shown only to its creator)")
def get_campaign(campaign_id: uuid.UUID) -> dict[str, Any]:
    """One campaign: its totals, share of the goal, time left and tiers, never who pledged what."""
    viewer = _viewer()
    with current_dependencies().uow_factory() as uow:
        campaign = uow.campaigns.get(campaign_id)
    # Someone else's draft answers exactly as a campaign that does not exist: not even its
    # existence is anyone else's business.
    if campaign is None or (
        campaign.status is CampaignStatus.DRAFT and campaign.creator_id != viewer
    ):
        raise Problem(404, f"No campaign {campaign_id}.")
    return context.campaign_view(campaign)


@blp.get("/campaigns/<uuid:campaign_id>/revisions")
@blp.response(200, RevisionList)
@blp.doc(security=PUBLIC_OR_BEARER)
@blp.problem(401, "A token was given but is not valid")
@blp.problem(404, "No such campaign (a draft has no public history)")
def campaign_revisions(campaign_id: uuid.UUID) -> dict[str, Any]:
    """A launched campaign's versions of its title, story and tiers, oldest first: the one it
    was launched with, then one per revision."""
    with current_dependencies().uow_factory() as uow:
        campaign = uow.campaigns.get(campaign_id)
        if campaign is None or campaign.status is CampaignStatus.DRAFT:
            raise Problem(404, f"No campaign {campaign_id}.")
        revisions = handlers.campaign_revisions(campaign, uow)
    return {
        "revisions": [
            {
                "revised_at": revision.revised_at,
                "title": revision.title,
                "description": revision.description,
                # Rendered on every read like the campaign's own `description_html`: one
                # renderer and allow-list for the story, whichever version is shown.
                "description_html": render_markdown(revision.description),
                "tiers": list(revision.tiers),
            }
            for revision in revisions
        ]
    }


def _words(text: str | None) -> tuple[str, ...]:
    """The words of a title search: each must appear in the title, in any order ("pinhole
    camera" finds "A camera with a pinhole")."""
    return tuple((text or "").split())


def _viewer() -> uuid.UUID | None:
    principal = optional_principal()
    return None if principal is None else principal.account_id
