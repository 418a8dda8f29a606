"""Home and campaign pages, and the pledge form: read from the three APIs, never a database."""

from __future__ import annotations

import uuid
from typing import Any

import flask

from services.site import context
from services.site.clients import ApiError
from services.site.display import money
from services.site.forms import AmountError, FormState, to_minor_units

pages = flask.Blueprint("pages", __name__)

#: The most campaigns the home page asks for (the API's page limit).
_HOME_LIMIT = 200
_QUERY_MAX = 200


@pages.get("/")
def home() -> str:
    query = flask.request.args.get("q", "").strip()[:_QUERY_MAX]
    listing = context.services().pledges.get_json(
        "/api/v1/campaigns", params={"status": "live", "limit": _HOME_LIMIT}
    )
    campaigns = [c for c in listing.get("campaigns", []) if c.get("status") == "live"]
    if query:
        # The pledges API has no title search yet: the site filters the live campaigns it got.
        needle = query.casefold()
        campaigns = [c for c in campaigns if needle in str(c.get("title", "")).casefold()]
    return flask.render_template("home.html", campaigns=campaigns, query=query)


@pages.get("/campaigns/<uuid:campaign_id>")
def campaign(campaign_id: uuid.UUID) -> str:
    return _campaign_page(campaign_id, FormState())


@pages.post("/campaigns/<uuid:campaign_id>/pledge")
def pledge(campaign_id: uuid.UUID) -> Any:
    visitor = context.visitor()
    if visitor is None:
        flask.flash("Sign in as a backer to pledge.")
        return flask.redirect(flask.url_for("accounts.login", next=f"/campaigns/{campaign_id}"))
    pledges = context.services().pledges
    found = pledges.get_json(f"/api/v1/campaigns/{campaign_id}", token=visitor.token)
    form = FormState(
        values={
            "amount": flask.request.form.get("amount", "")[:64],
            "tier_id": flask.request.form.get("tier_id", "")[:64],
        }
    )
    body: dict[str, Any] = {}
    try:
        body["amount"] = to_minor_units(form.values["amount"], str(found.get("currency")))
    except AmountError as exc:
        form.add("amount", str(exc))
    if form.values["tier_id"]:
        body["tier_id"] = form.values["tier_id"]
    if form.ok:
        # One key per form shown: sending the same form twice pledges once.
        key = flask.request.form.get("idempotency_key", "")[:128] or str(uuid.uuid4())
        try:
            made = pledges.post_json(
                f"/api/v1/campaigns/{campaign_id}/pledges",
                body,
                token=visitor.token,
                headers={"Idempotency-Key": key},
            )
        except ApiError as exc:
            if exc.status == 401:
                raise
            form.add_api_errors(exc.errors, {"amount", "tier_id"}, exc.detail)
        else:
            flask.flash(f"Thank you! Your pledge of {_money(made, found)} is recorded.")
            return flask.redirect(flask.url_for("pages.campaign", campaign_id=campaign_id))
    return _campaign_page(campaign_id, form, campaign=found), 422


def _money(made: dict[str, Any], campaign: dict[str, Any]) -> str:
    return money(made.get("amount"), campaign.get("currency"))


def _campaign_page(
    campaign_id: uuid.UUID, form: FormState, campaign: dict[str, Any] | None = None
) -> str:
    services, token = context.services(), context.token()
    if campaign is None:
        campaign = services.pledges.get_json(f"/api/v1/campaigns/{campaign_id}", token=token)
    trail = _money_trail(campaign_id)
    try:
        updates = services.updates.get_json(
            f"/api/v1/campaigns/{campaign_id}/updates", token=token
        ).get("updates", [])
    except ApiError as exc:
        if exc.status != 404:  # the updates service has not heard of it yet
            raise
        updates = []
    return flask.render_template(
        "campaign.html",
        campaign=campaign,
        trail=trail,
        updates=updates,
        form=form,
        idempotency_key=str(uuid.uuid4()),
        ledger_url=context.settings().ledger_public_url,
    )


def _money_trail(campaign_id: uuid.UUID) -> dict[str, Any] | None:
    """The ledger's figures, entries and latest checkpoint; None until it hears of the campaign."""
    ledger = context.services().ledger
    try:
        balance = ledger.get_json(f"/api/v1/campaigns/{campaign_id}/balance")
        page = ledger.get_json(f"/api/v1/campaigns/{campaign_id}/entries", params={"limit": 100})
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
    try:
        checkpoint = ledger.request("GET", f"/api/v1/campaigns/{campaign_id}/checkpoint").text
    except ApiError as exc:
        if exc.status != 404:  # no checkpoint signed yet
            raise
        checkpoint = None
    lines = (checkpoint or "").splitlines()
    return {
        "balance": balance,
        "entries": page.get("entries", []),
        "more_entries": page.get("next_after_seq") is not None,
        "checkpoint": checkpoint,
        # The checkpoint's body: origin line, then tree size (C2SP tlog-checkpoint).
        "origin": lines[0] if lines else None,
        "tree_size": lines[1] if len(lines) > 1 and lines[1].isdigit() else None,
    }
