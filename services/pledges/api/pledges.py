"""Pledges over HTTP: backers pledge, change and cancel; creators refund."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from typing import Any

import flask

from services.pledges import commands, handlers
from services.pledges.api.pledge_schemas import (
    CampaignPledgeList,
    CampaignPledgesQuery,
    MyPledgesQuery,
    PledgeEdit,
    PledgeHeaders,
    PledgeIn,
    PledgeList,
    PledgeOut,
    ReferralsOut,
    RefundIn,
    UnpaidPledgesOut,
)
from services.pledges.bootstrap import current_dependencies
from services.pledges.domain import Pledge, PledgeStatus
from shared.web.api import Blueprint
from shared.web.auth import current_principal

blp = Blueprint("pledges", __name__, url_prefix="/api/v1", description="Pledges")

_pledge_out = PledgeOut()


@blp.post("/campaigns/<uuid:campaign_id>/pledges")
@blp.authenticated("backer")
@blp.arguments(PledgeHeaders, location="headers")
@blp.arguments(PledgeIn)
@blp.response(201, PledgeOut, description="A new pledge")
@blp.alt_response(
    200,
    schema=PledgeOut,
    description="A replay of a change recorded before pledging again was refused",
)
@blp.problem(403, "Only backers pledge")
@blp.problem(404, "No such campaign")
@blp.problem(
    409,
    "The campaign is not live, the tier is sold out, or the backer already has an active "
    "pledge here (`pledge_id`, `amount`, `currency`, `tier_id` name it: change it with "
    "PATCH /pledges/{id})",
)
@blp.problem(415, "The body is not JSON")
@blp.problem(422, "Bad amount, tier or currency, or an Idempotency-Key reused for another body")
def make_pledge(
    headers: dict[str, Any], body: dict[str, Any], campaign_id: uuid.UUID
) -> flask.Response:
    """Pledge to a live campaign, optionally choosing a tier (amount ≥ its minimum).

    A backer holds one active pledge per campaign: pledging again is refused (409, naming it)
    rather than replacing it, unless the request repeats the same Idempotency-Key, which
    answers what that request did (`Idempotent-Replayed: true`).
    """
    dependencies = current_dependencies()
    key = headers["idempotency_key"]
    command = commands.MakePledge(
        campaign_id=campaign_id,
        backer_id=current_principal().account_id,
        amount=body["amount"],
        tier_id=body["tier_id"],
        currency=body["currency"],
        source=body["source"],
        idempotency=None if key is None else commands.IdempotencyKey(key, _fingerprint(body)),
    )
    answer = handlers.make_pledge(command, dependencies.uow_factory(), dependencies.clock)
    response = flask.jsonify(_pledge_out.dump(answer.pledge))
    response.status_code = 201 if answer.created else 200
    response.headers["Location"] = f"/api/v1/pledges/{answer.pledge.id}"
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.get("/pledges/<uuid:pledge_id>")
@blp.authenticated()
@blp.response(200, PledgeOut)
@blp.problem(403, "Neither the pledge's backer nor the campaign's creator")
@blp.problem(404, "No such pledge")
def get_pledge(pledge_id: uuid.UUID) -> Pledge:
    """One pledge, for its backer and the campaign's creator."""
    return handlers.pledge_for(
        pledge_id, current_principal().account_id, current_dependencies().uow_factory()
    )


@blp.get("/me/pledges")
@blp.authenticated()
@blp.arguments(MyPledgesQuery, location="query")
@blp.response(200, PledgeList)
def my_pledges(query: dict[str, Any]) -> dict[str, Any]:
    """The caller's own pledges, newest first, in every state; with `campaign_id`, only those
    on that campaign (none, for a campaign the caller never backed or that does not exist)."""
    found = handlers.pledges_of(
        current_principal().account_id,
        current_dependencies().uow_factory(),
        campaign_id=query["campaign_id"],
        limit=query["limit"],
        offset=query["offset"],
    )
    return {"pledges": found}


@blp.get("/campaigns/<uuid:campaign_id>/pledges")
@blp.authenticated()
@blp.arguments(CampaignPledgesQuery, location="query")
@blp.response(200, CampaignPledgeList)
@blp.problem(403, "Neither the campaign's creator nor an admin")
@blp.problem(404, "No such campaign (someone else's draft is not shown)")
def campaign_pledges(query: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """Every pledge of the campaign (or those in the states `status` names), newest first,
    with each backer's name (never their e-mail); for the campaign's creator and admins."""
    principal = current_principal()
    found = handlers.campaign_pledges(
        campaign_id,
        principal.account_id,
        current_dependencies().uow_factory(),
        is_admin=principal.role == "admin",
        limit=query["limit"],
        offset=query["offset"],
        statuses={PledgeStatus(status) for status in query["status"]},
    )
    return {"pledges": [_backed_view(backed) for backed in found]}


@blp.get("/campaigns/<uuid:campaign_id>/pledges/unpaid")
@blp.authenticated()
@blp.response(200, UnpaidPledgesOut)
@blp.problem(403, "Neither the campaign's creator nor an admin")
@blp.problem(404, "No such campaign (someone else's draft is not shown)")
def unpaid_pledges(campaign_id: uuid.UUID) -> dict[str, Any]:
    """How many of the campaign's pledges failed to pay, and how much is still owed; how many
    dropped, and for how much. The pledges themselves: `?status=payment_failed&status=dropped`
    on the campaign's pledges."""
    principal = current_principal()
    unpaid = handlers.unpaid_pledges(
        campaign_id,
        principal.account_id,
        current_dependencies().uow_factory(),
        is_admin=principal.role == "admin",
    )
    return {
        "currency": unpaid.currency,
        "payment_failed": dict(zip(("pledges", "amount"), unpaid.failed, strict=True)),
        "dropped": dict(zip(("pledges", "amount"), unpaid.dropped, strict=True)),
    }


@blp.get("/campaigns/<uuid:campaign_id>/referrals")
@blp.authenticated()
@blp.response(200, ReferralsOut)
@blp.problem(403, "Neither the campaign's creator nor an admin")
@blp.problem(404, "No such campaign (someone else's draft is not shown)")
def referrals(campaign_id: uuid.UUID) -> handlers.Referrals:
    """Where the campaign's backers came from: per source (the `?ref=` tag of the link they
    followed, or the referring site's host; `null` for neither), how many pledges still stand
    and their amount net of refunds, the largest first. Counts and sums only, never who."""
    principal = current_principal()
    return handlers.referrals(
        campaign_id,
        principal.account_id,
        current_dependencies().uow_factory(),
        is_admin=principal.role == "admin",
    )


@blp.patch("/pledges/<uuid:pledge_id>")
@blp.authenticated("backer")
@blp.arguments(PledgeEdit)
@blp.response(200, PledgeOut)
@blp.problem(403, "Not this pledge's backer")
@blp.problem(404, "No such pledge")
@blp.problem(409, "The campaign is not live, the pledge is not active, or the tier is sold out")
@blp.problem(415, "The body is not JSON")
@blp.problem(422, "Bad amount or tier, or nothing to change")
def change_pledge(body: dict[str, Any], pledge_id: uuid.UUID) -> Pledge:
    """Change the amount and/or tier while the campaign is live (`tier_id: null` drops it)."""
    dependencies = current_dependencies()
    command = commands.ChangePledge(
        pledge_id=pledge_id,
        actor_id=current_principal().account_id,
        amount=body.get("amount"),
        tier_id=body.get("tier_id"),
        change_tier="tier_id" in body,
    )
    return handlers.change_pledge(command, dependencies.uow_factory(), dependencies.clock)


@blp.post("/pledges/<uuid:pledge_id>/cancel")
@blp.authenticated("backer")
@blp.response(200, PledgeOut)
@blp.problem(403, "Not this pledge's backer")
@blp.problem(404, "No such pledge")
@blp.problem(409, "The campaign is not live, or the pledge is not active")
def cancel_pledge(pledge_id: uuid.UUID) -> Pledge:
    """Withdraw an active pledge while the campaign is live; its tier slot is freed."""
    dependencies = current_dependencies()
    command = commands.CancelPledge(pledge_id, current_principal().account_id)
    return handlers.cancel_pledge(command, dependencies.uow_factory(), dependencies.clock)


@blp.post("/pledges/<uuid:pledge_id>/refund")
@blp.authenticated("creator")
@blp.arguments(RefundIn)
@blp.response(200, PledgeOut)
@blp.problem(403, "Not the campaign's creator")
@blp.problem(404, "No such pledge")
@blp.problem(409, "Not collected, or more than is left to refund")
@blp.problem(503, "The payment provider did not answer; nothing was recorded")
@blp.problem(415, "The body is not JSON")
@blp.problem(422, "No reason, or a bad amount")
def refund_pledge(body: dict[str, Any], pledge_id: uuid.UUID) -> Pledge:
    """Return some (`amount`) or all of a collected pledge, with a reason."""
    dependencies = current_dependencies()
    command = commands.RefundPledge(
        pledge_id=pledge_id,
        actor_id=current_principal().account_id,
        reason=body["reason"],
        amount=body["amount"],
    )
    return handlers.refund_pledge(
        command,
        dependencies.uow_factory(),
        dependencies.payment_gateway(),
        dependencies.clock,
    )


def _backed_view(backed: handlers.BackedPledge) -> dict[str, Any]:
    view = {field.name: getattr(backed.pledge, field.name) for field in dataclasses.fields(Pledge)}
    view["payment_status"] = backed.pledge.payment_status
    view["payment_retry_until"] = backed.pledge.payment_retry_until
    view["payment_failure_reason"] = backed.pledge.payment_failure_reason
    view["dropped_at"] = backed.pledge.dropped_at
    view["backer_name"] = backed.backer_name
    return view


def _fingerprint(body: dict[str, Any]) -> str:
    """SHA-256 of what the request asks, whatever its JSON spelling: the path and the loaded
    body, canonically encoded."""
    canonical = json.dumps(
        {"path": flask.request.path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
