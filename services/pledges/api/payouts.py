"""A creator's payout account over HTTP: set it up at the payment provider, and its state."""

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
from shared.web.problems import problem_response

log = get_logger(__name__)

blp = Blueprint(
    "payouts",
    __name__,
    url_prefix="/api/v1",
    description="A creator's payout account (Stripe Connect Express): set-up and state",
)

_PROVIDER_DOWN = "The payment provider did not answer; nothing was changed. Try again shortly."


class OnboardingOut(ma.Schema):
    onboarding_url = ma.fields.String(
        metadata={"description": "The provider's set-up page; single use, expires in minutes"}
    )


class PayoutAccountOut(ma.Schema):
    account_id = ma.fields.String(metadata={"description": "The provider's account id (acct_…)"})
    details_submitted = ma.fields.Boolean()
    charges_enabled = ma.fields.Boolean(
        metadata={"description": "Campaigns taking real money may launch only once true"}
    )
    payouts_enabled = ma.fields.Boolean()


@blp.post("/me/payout-account")
@blp.authenticated("creator")
@blp.response(201, OnboardingOut)
@blp.problem(403, "Not a creator")
@blp.problem(409, "Test mode: no money moves, so no payout account is needed")
@blp.problem(503, "The payment provider did not answer")
def start_onboarding() -> Any:
    """Set up, or finish setting up, where the creator's campaigns are paid: makes the
    creator's Stripe Express account once, then a fresh link to Stripe's own set-up pages,
    which send the creator back to the site's console."""
    dependencies = current_dependencies()
    command = commands.StartPayoutOnboarding(current_principal().account_id, uuid.uuid4())
    try:
        link = handlers.start_payout_onboarding(
            command,
            dependencies.uow_factory(),
            dependencies.payments,
            dependencies.payment_settings.site_url,
            dependencies.clock,
        )
    except PaymentProviderError as error:
        log.warning("payout_account.onboarding_failed", error=str(error))
        return problem_response(503, _PROVIDER_DOWN, headers={"Retry-After": "30"})
    return {"onboarding_url": link.url}, 201


@blp.get("/me/payout-account")
@blp.authenticated("creator")
@blp.response(200, PayoutAccountOut)
@blp.problem(403, "Not a creator")
@blp.problem(404, "The creator has not started setting up a payout account")
def payout_account() -> dict[str, Any]:
    """The creator's payout account and what it can do. While charges are not enabled it is
    read back from Stripe, so it is current even before Stripe's notice arrives."""
    dependencies = current_dependencies()
    state = handlers.payout_account(
        current_principal().account_id,
        dependencies.uow_factory(),
        dependencies.payments,
        dependencies.clock,
    )
    return {
        "account_id": state.account_id,
        "details_submitted": state.details_submitted,
        "charges_enabled": state.charges_enabled,
        "payouts_enabled": state.payouts_enabled,
    }
