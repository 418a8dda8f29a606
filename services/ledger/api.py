"""The ledger's JSON API under /api/v1."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma

from shared.web.api import Blueprint
from shared.web.app import service_context
from shared.web.problems import Problem

blp = Blueprint("ledger campaigns", __name__, url_prefix="/api/v1",
                description="Campaigns as the ledger knows them")


class BudgetLineSchema(ma.Schema):
    category = ma.fields.String()
    amount = ma.fields.Integer()


class CampaignSchema(ma.Schema):
    id = ma.fields.UUID()
    creator_id = ma.fields.UUID()
    title = ma.fields.String()
    currency = ma.fields.String()
    goal_amount = ma.fields.Integer()
    funding_model = ma.fields.String()
    status = ma.fields.String()
    deadline = ma.fields.AwareDateTime()
    budget = ma.fields.List(ma.fields.Nested(BudgetLineSchema))


@blp.get("/campaigns/<uuid:campaign_id>")
@blp.response(200, CampaignSchema)
@blp.alt_response(404, description="The ledger has not heard of this campaign")
def get_campaign(campaign_id: uuid.UUID) -> dict[str, Any]:
    """A campaign as the ledger's read model holds it."""
    with service_context().uow_factory() as uow:
        campaign = uow.campaigns.get(campaign_id)
    if campaign is None:
        raise Problem(404, f"No campaign {campaign_id} in the ledger.")
    return campaign
