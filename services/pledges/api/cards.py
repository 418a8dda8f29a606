"""Backers save a card for a pledge on the payment provider's hosted page (Stripe Checkout)."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma

from services.pledges import commands, handlers
from services.pledges.bootstrap import current_dependencies
from services.pledges.domain.payment_provider import PaymentProviderError
from shared.logging import get_logger
from shared.web.api import Blueprint
from shared.web.auth import current_principal
from shared.web.problems import Problem

log = get_logger(__name__)

blp = Blueprint(
    "cards",
    __name__,
    url_prefix="/api/v1",
    description="Backers' saved cards: a hosted page of the payment provider saves one",
)


class CardSetupOut(ma.Schema):
    checkout_url = ma.fields.String(
        metadata={
            "description": "The payment provider's hosted page (Stripe Checkout, setup mode): "
            "send the backer there; it sends them back to the campaign's page on the site"
        }
    )


@blp.post("/pledges/<uuid:pledge_id>/payment-method")
@blp.authenticated("backer")
@blp.response(201, CardSetupOut, description="A hosted page to save a card")
@blp.problem(403, "Not this pledge's backer")
@blp.problem(404, "No such pledge")
@blp.problem(
    409,
    "Test mode (no money moves, no card needed), or the pledge takes no card now: the "
    "campaign is over, or the pledge is paid, dropped or withdrawn",
)
@blp.problem(503, "The payment provider did not answer; try again")
def start_card_setup(pledge_id: uuid.UUID) -> dict[str, Any]:
    """Open the payment provider's hosted page where the backer saves a card for the pledge,
    while the campaign is live, or during the grace period of a failed payment. The pledge's
    `payment_status` becomes `card_saved` when the provider says so; the card never reaches
    Fundtrail. Each call opens a new page; only the latest one's card counts."""
    dependencies = current_dependencies()
    command = commands.StartCardSetup(pledge_id, current_principal().account_id)
    try:
        setup = handlers.start_card_setup(
            command,
            dependencies.uow_factory(),
            dependencies.payments,
            dependencies.payment_settings.site_url,
            dependencies.clock,
        )
    except PaymentProviderError as error:
        log.warning("card.setup_failed", pledge_id=str(pledge_id), error=str(error))
        raise Problem(
            503,
            "The payment provider did not answer; no card page was opened. Try again shortly.",
            headers={"Retry-After": "30"},
        ) from None
    return {"checkout_url": setup.url}
