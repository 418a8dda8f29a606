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
from services.site.comments import comments
from services.site.display import money
from services.site.forms import AmountError, FormState, send, to_minor_units

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
    if form.ok:
        now = send(
            form,
            lambda: context.services().pledges.patch_json(
                f"/api/v1/pledges/{pledge_id}", body, token=visitor.token
            ),
            fields=_FIELDS,
            fallback="The change was refused.",
        )
        if now is not None:
            flask.flash(f"Your pledge is now {money(now.get('amount'), now.get('currency'))}.")
            return _back_to_pledge(campaign_id)
    # A conflict with the campaign's state stays 409 (live no longer, tier sold out).
    retry = Retry("change", str(pledge["id"]), form)
    return campaign_page.render(campaign_id, campaign=campaign, retry=retry), form.status


@backing.post("/campaigns/<uuid:campaign_id>/pledges/<uuid:pledge_id>/cancel")
def cancel_pledge(campaign_id: uuid.UUID, pledge_id: uuid.UUID) -> Any:
    visitor = signed_in(campaign_id, "Sign in as a backer to cancel your pledge.")
    pledge, campaign = _own_pledge(visitor, campaign_id, pledge_id)
    form = FormState()
    cancelled = send(
        form,
        lambda: context.services().pledges.post_json(
            f"/api/v1/pledges/{pledge_id}/cancel", None, token=visitor.token
        ),
        fields=(),
        fallback="The pledge could not be cancelled.",
    )
    if cancelled is None:
        retry = Retry("cancel", str(pledge["id"]), form)
        return campaign_page.render(campaign_id, campaign=campaign, retry=retry), form.status
    amount = money(pledge.get("amount"), pledge.get("currency"))
    flask.flash(f"Your pledge of {amount} is cancelled.")
    return _back_to_pledge(campaign_id)
