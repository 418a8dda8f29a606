"""Campaigns over HTTP: creators draft them; anyone reads them."""

from __future__ import annotations

import uuid
from typing import Any

from services.pledges import commands, handlers
from services.pledges.api.schemas import CampaignIn, CampaignList, CampaignOut, CampaignQuery
from services.pledges.domain import Campaign
from services.pledges.domain.values import BudgetLine, TierSpec
from shared.web.api import BEARER, Blueprint
from shared.web.app import service_context
from shared.web.auth import current_principal, requires_role
from shared.web.problems import Problem

blp = Blueprint("campaigns", __name__, url_prefix="/api/v1", description="Campaigns")


@blp.post("/campaigns")
@blp.doc(security=BEARER)
@requires_role("creator")
@blp.arguments(CampaignIn)
@blp.response(201, CampaignOut)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Only creators draft campaigns")
def create_campaign(body: dict[str, Any]) -> Campaign:
    """Draft a campaign; it takes pledges once launched."""
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
    )
    return handlers.create_campaign(command, service_context().uow_factory())


@blp.get("/campaigns")
@blp.arguments(CampaignQuery, location="query")
@blp.response(200, CampaignList)
def list_campaigns(query: dict[str, Any]) -> dict[str, Any]:
    """Campaigns, newest first; `status` filters."""
    statuses = [query["status"]] if query["status"] else None
    with service_context().uow_factory() as uow:
        found = uow.campaigns.list(statuses=statuses, limit=query["limit"], offset=query["offset"])
    return {"campaigns": found}


@blp.get("/campaigns/<uuid:campaign_id>")
@blp.response(200, CampaignOut)
@blp.alt_response(404, description="No such campaign")
def get_campaign(campaign_id: uuid.UUID) -> Campaign:
    """One campaign: its totals and tiers, never who pledged what."""
    with service_context().uow_factory() as uow:
        campaign = uow.campaigns.get(campaign_id)
    if campaign is None:
        raise Problem(404, f"No campaign {campaign_id}.")
    return campaign
