"""A campaign's moves over HTTP: launch, cancel and settle."""

from __future__ import annotations

import uuid
from typing import Any

from services.pledges import commands, handlers
from services.pledges.api import context
from services.pledges.api.schemas import CampaignOut
from services.pledges.bootstrap import current_dependencies
from shared.web.api import Blueprint
from shared.web.auth import current_principal

blp = Blueprint(
    "campaign_lifecycle",
    __name__,
    url_prefix="/api/v1",
    description="Launching, cancelling and settling campaigns",
)


@blp.post("/campaigns/<uuid:campaign_id>/launch")
@blp.authenticated("creator")
@blp.response(200, CampaignOut)
@blp.problem(
    403, "Not this campaign's creator, or a self-registered creator whose e-mail is unverified"
)
@blp.problem(404, "No such campaign")
@blp.problem(
    409, "Not a draft, or money moves here and the creator's payout account cannot take charges"
)
@blp.problem(422, "The deadline has already passed")
def launch_campaign(campaign_id: uuid.UUID) -> dict[str, Any]:
    """Draft → live: the campaign takes pledges until its deadline. Where settlement moves real
    money, the creator's payout account must accept charges first."""
    dependencies = current_dependencies()
    command = commands.LaunchCampaign(campaign_id, current_principal().account_id)
    campaign = handlers.launch_campaign(
        command,
        dependencies.uow_factory(),
        dependencies.clock,
        moves_money=dependencies.payment_gateway().moves_money,
        payments=dependencies.payments,
    )
    return context.campaign_view(campaign)


@blp.post("/campaigns/<uuid:campaign_id>/cancel")
@blp.authenticated("creator")
@blp.response(200, CampaignOut)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such campaign")
@blp.problem(409, "Already ended, or the deadline has passed (settle instead)")
@blp.problem(503, "The payment provider did not answer; nothing was recorded")
def cancel_campaign(campaign_id: uuid.UUID) -> dict[str, Any]:
    """Call a draft or live campaign off before its deadline; live pledges are released."""
    dependencies = current_dependencies()
    command = commands.CancelCampaign(campaign_id, current_principal().account_id)
    campaign = handlers.cancel_campaign(
        command,
        dependencies.uow_factory(),
        dependencies.payment_gateway(),
        dependencies.clock,
    )
    return context.campaign_view(campaign)


@blp.post("/campaigns/<uuid:campaign_id>/settle")
@blp.authenticated("creator", "admin")
@blp.response(200, CampaignOut)
@blp.problem(403, "Neither this campaign's creator nor an admin")
@blp.problem(404, "No such campaign")
@blp.problem(409, "Before the deadline, the campaign is not live, or its creator cannot be paid")
@blp.problem(503, "The payment provider did not answer; nothing was recorded")
def settle_campaign(campaign_id: uuid.UUID) -> dict[str, Any]:
    """After the deadline: `succeeded` (pledges collected) or `failed` (released).

    All-or-nothing campaigns succeed only if the pledged total reached the goal; flexible ones
    always do. Settling a settled campaign answers 200 with it unchanged.
    """
    dependencies = current_dependencies()
    principal = current_principal()
    command = commands.SettleCampaign(
        campaign_id, principal.account_id, is_admin=principal.role == "admin"
    )
    outcome = handlers.settle_campaign(
        command,
        dependencies.uow_factory(),
        dependencies.payment_gateway(),
        dependencies.clock,
        payment_grace=dependencies.payment_settings.payment_grace,
    )
    return context.campaign_view(outcome.campaign)
