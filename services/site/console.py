"""The creator console (their campaigns, the new-campaign form, launch and cancel) and a
backer's "My pledges" page, over the pledges API with the visitor's token. Each campaign's own
console page is in console_campaign.py; the campaign form in campaign_form.py."""

from __future__ import annotations

import uuid
from typing import Any

import flask

from services.site import campaign_form, context
from services.site.access import signed_in
from services.site.clients import ApiError
from services.site.forms import FormState

console = flask.Blueprint("console", __name__)

_PAGE = 200
#: Campaigns the console lists per page.
CAMPAIGNS_PAGE = 100
#: The largest `offset` the services' listings accept.
MAX_OFFSET = 1_000_000


def requested_offset() -> int:
    """The `offset` query parameter of a listing page: a whole number up to the APIs' bound,
    0 when absent or odd (a hand-edited address gets a page, not an error)."""
    text = flask.request.args.get("offset", "")
    if not (text.isascii() and text.isdigit()) or len(text) > 7:
        return 0
    return min(int(text), MAX_OFFSET)


@console.get("/console")
def home() -> Any:
    visitor = signed_in("creator")
    offset = requested_offset()
    campaigns = (
        context.services()
        .pledges.get_json(
            "/api/v1/me/campaigns",
            params={"limit": CAMPAIGNS_PAGE, "offset": offset},
            token=visitor.token,
        )
        .get("campaigns", [])
    )
    return flask.render_template(
        "console.html",
        campaigns=campaigns,
        offset=offset,
        page_size=CAMPAIGNS_PAGE,
        more=len(campaigns) == CAMPAIGNS_PAGE,
        email_unconfirmed=_email_unconfirmed(visitor.token),
    )


def _email_unconfirmed(token: str) -> bool:
    """Whether the creator still has to confirm their address before Launch works. Accounts
    made by an operator have none to confirm (the pledges service answers 404)."""
    try:
        found = context.services().pledges.get_json("/api/v1/me/email-verification", token=token)
    except ApiError as exc:
        if exc.status == 404:
            return False
        raise
    return found.get("email_verified") is False


@console.route("/console/new", methods=["GET", "POST"])
def new_campaign() -> Any:
    visitor = signed_in("creator")
    if flask.request.method != "POST":
        form = FormState(values={"currency": "EUR", "funding_model": "all_or_nothing"})
        return _new_page(form)
    form, body = campaign_form.read_form()
    if form.ok:
        try:
            made = context.services().pledges.post_json(
                "/api/v1/campaigns", body, token=visitor.token
            )
        except ApiError as exc:
            if exc.status == 401:
                raise
            campaign_form.add_api_errors(form, exc.errors, exc.detail)
        else:
            flask.flash(f"Your draft “{made.get('title')}” is saved. Launch it when it is ready.")
            return flask.redirect(flask.url_for("console.home"))
    return _new_page(form), 422


def _new_page(form: FormState) -> str:
    return flask.render_template(
        "console_new.html",
        form=form,
        rows=range(campaign_form.ROWS),
        heading="New campaign",
        action=flask.url_for("console.new_campaign"),
        button="Create",
    )


@console.post("/console/campaigns/<uuid:campaign_id>/<any(launch, cancel):action>")
def change_status(campaign_id: uuid.UUID, action: str) -> Any:
    if flask.request.form.get("back") == "campaign":
        # Sent from the campaign's own console page: back there, not to the list.
        back = flask.url_for("console_campaign.campaign", campaign_id=campaign_id)
    else:
        back = flask.url_for("console.home")
    visitor = signed_in("creator", back_to=back)
    try:
        done = context.services().pledges.post_json(
            f"/api/v1/campaigns/{campaign_id}/{action}", None, token=visitor.token
        )
    except ApiError as exc:
        if exc.status == 401:
            raise
        flask.flash(exc.detail or f"That campaign could not be {action}ed.")
    else:
        verb = "launched: it is live" if action == "launch" else "cancelled"
        flask.flash(f"“{done.get('title')}” is {verb}.")
    return flask.redirect(back)


@console.get("/my/pledges")
def my_pledges() -> Any:
    visitor = signed_in("backer")
    pledges = context.services().pledges
    found = pledges.get_json(
        "/api/v1/me/pledges", params={"limit": _PAGE}, token=visitor.token
    ).get("pledges", [])
    titles: dict[str, str | None] = {}
    for pledge in found:
        campaign_id = str(pledge.get("campaign_id"))
        if campaign_id not in titles:
            campaign = pledges.get_json_if_found(
                f"/api/v1/campaigns/{campaign_id}", token=visitor.token
            )
            titles[campaign_id] = None if campaign is None else campaign.get("title")
    return flask.render_template("my_pledges.html", pledges=found, titles=titles)
