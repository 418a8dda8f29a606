"""The updates service's JSON API under /api/v1."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma

from services.updates.unit_of_work import current_uow
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
    with current_uow() as uow:
        campaign = uow.campaigns.get(campaign_id)
    if campaign is None:
        raise Problem(404, f"No campaign {campaign_id} in the updates service.")
    return campaign
