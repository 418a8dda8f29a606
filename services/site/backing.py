"""A backer's own pledge on the campaign page: change its amount or tier, or cancel it, while
the campaign is live. The pledges API decides; the site shows its refusals next to the fields."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wrappers import Response

from services.site import campaign_page, context
from services.site.campaign_page import Retry, signed_in
from services.site.clients import ApiError
from services.site.comments import comments
from services.site.display import money
from services.site.forms import AmountError, FormState, to_minor_units

backing = flask.Blueprint("backing", __name__)
# Comments under updates are part of backing a campaign too, registered with it.
backing.register_blueprint(comments)

_FIELDS = {"amount", "tier_id"}
_FIELD_MAX = 64


def _own_pledge(
    visitor: context.Visitor, campaign_id: uuid.UUID, pledge_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The visitor's pledge and its campaign. Someone else's pledge is refused by the pledges
    API (403, a page); one to another campaign is no pledge of this page (404)."""
    pledges = context.services().pledges
    pledge = pledges.get_json(f"/api/v1/pledges/{pledge_id}", token=visitor.token)
    if str(pledge.get("campaign_id")) != str(campaign_id):
        raise NotFound()
    if str(pledge.get("backer_id")) != visitor.account_id:
        # The campaign's creator may read a pledge, but only its backer changes it.
        raise Forbidden("Only the backer who made a pledge can change or cancel it.")
    campaign = pledges.get_json(f"/api/v1/campaigns/{campaign_id}", token=visitor.token)
    return pledge, campaign


def _back_to_pledge(campaign_id: uuid.UUID) -> Response:
    return flask.redirect(
        flask.url_for("pages.campaign", campaign_id=campaign_id, _anchor="your-pledge-heading")
    )


def _refused(exc: ApiError) -> int:
    """The status of the page showing a refusal: a conflict with the campaign's state stays
    409 (live no longer, tier sold out); anything else is a bad value (422)."""
    if exc.status in (401, 403, 404):
        raise exc  # the app's pages for these: sign in again, not allowed, not found
    return 409 if exc.status == 409 else 422


@backing.post("/campaigns/<uuid:campaign_id>/pledges/<uuid:pledge_id>/change")
def change_pledge(campaign_id: uuid.UUID, pledge_id: uuid.UUID) -> Any:
    visitor = signed_in(campaign_id, "Sign in as a backer to change your pledge.")
    pledge, campaign = _own_pledge(visitor, campaign_id, pledge_id)
    sent = flask.request.form
    form = FormState(values={name: sent.get(name, "")[:_FIELD_MAX] for name in _FIELDS})
    body: dict[str, Any] = {}
    try:
        body["amount"] = to_minor_units(form.values["amount"], str(campaign.get("currency")))
    except AmountError as exc:
        form.add("amount", str(exc))
    if campaign.get("tiers"):
        body["tier_id"] = form.values["tier_id"] or None  # "No tier" drops it
    status = 422
    if form.ok:
        try:
            changed = context.services().pledges.request(
                "PATCH", f"/api/v1/pledges/{pledge_id}", json=body, token=visitor.token
            )
        except ApiError as exc:
            status = _refused(exc)
            form.add_api_errors(exc.errors, _FIELDS, exc.detail or "The change was refused.")
        else:
            now = changed.json()
            flask.flash(f"Your pledge is now {money(now.get('amount'), now.get('currency'))}.")
            return _back_to_pledge(campaign_id)
    retry = Retry("change", str(pledge["id"]), form)
    return campaign_page.render(campaign_id, campaign=campaign, retry=retry), status


@backing.post("/campaigns/<uuid:campaign_id>/pledges/<uuid:pledge_id>/cancel")
def cancel_pledge(campaign_id: uuid.UUID, pledge_id: uuid.UUID) -> Any:
    visitor = signed_in(campaign_id, "Sign in as a backer to cancel your pledge.")
    pledge, campaign = _own_pledge(visitor, campaign_id, pledge_id)
    try:
        context.services().pledges.post_json(
            f"/api/v1/pledges/{pledge_id}/cancel", None, token=visitor.token
        )
    except ApiError as exc:
        status = _refused(exc)
        form = FormState()
        form.add("_form", exc.detail or "The pledge could not be cancelled.")
        retry = Retry("cancel", str(pledge["id"]), form)
        return campaign_page.render(campaign_id, campaign=campaign, retry=retry), status
    amount = money(pledge.get("amount"), pledge.get("currency"))
    flask.flash(f"Your pledge of {amount} is cancelled.")
    return _back_to_pledge(campaign_id)
