"""The updates service's campaigns as it knows them, under /api/v1."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma

from services.updates.bootstrap import current_dependencies
from shared.web.api import Blueprint
from shared.web.problems import Problem

blp = Blueprint(
    "updates campaigns",
    __name__,
    url_prefix="/api/v1",
    description="Campaigns as the updates service knows them",
)


class CampaignSchema(ma.Schema):
    id = ma.fields.UUID()
    creator_id = ma.fields.UUID()
    title = ma.fields.String()
    status = ma.fields.String()


@blp.get("/campaigns/<uuid:campaign_id>")
@blp.response(200, CampaignSchema)
@blp.problem(404, "The updates service has not heard of this campaign")
def get_campaign(campaign_id: uuid.UUID) -> dict[str, Any]:
    """A campaign as the updates service's read model holds it."""
    with current_dependencies().uow_factory() as uow:
        campaign = uow.campaigns.get(campaign_id)
    # A draft is its creator's business (the pledges service shows it to them): not public here.
    if campaign is None or campaign["status"] == "draft":
        raise Problem(404, f"No campaign {campaign_id} in the updates service.")
    return campaign
