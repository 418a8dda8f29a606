"""The creator console (their campaigns, the new-campaign form, launch and cancel) and a
backer's "My pledges" page, over the pledges API with the visitor's token."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import flask
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from services.site import context
from services.site.clients import ApiError
from services.site.forms import AmountError, FormState, to_minor_units
from shared.money import is_currency

console = flask.Blueprint("console", __name__)

#: Blank rows the new-campaign form offers for tiers and for budget lines.
ROWS = 3
_FIELD_MAX = 10_000
_PAGE = 200
#: Pages of campaigns the console reads at most: the pledges API has no creator filter yet.
_MAX_PAGES = 10
_TEXT_FIELDS = ("title", "description", "goal", "currency", "deadline", "funding_model")
#: The API's field names → the form's, so its errors land next to the right field.
_API_FIELDS = {"goal_amount": "goal"}


class WrongRole(Forbidden):
    description = "This page is for another kind of account."


def _signed_in(role: str) -> context.Visitor | Response:
    """The visitor when they have `role`; a redirect to sign in when nobody is signed in."""
    visitor = context.visitor()
    if visitor is None:
        flask.flash("Please sign in first.")
        return flask.redirect(flask.url_for("accounts.login", next=flask.request.path))
    if visitor.role != role:
        raise WrongRole(f"Only {role}s can open this page; you are signed in as a {visitor.role}.")
    return visitor


def _own_campaigns(visitor: context.Visitor) -> list[dict[str, Any]]:
    """The visitor's campaigns, drafts included, newest first."""
    pledges, mine = context.services().pledges, []
    for page in range(_MAX_PAGES):
        listing = pledges.get_json(
            "/api/v1/campaigns",
            params={"limit": _PAGE, "offset": page * _PAGE},
            token=visitor.token,
        ).get("campaigns", [])
        mine += [c for c in listing if str(c.get("creator_id")) == visitor.account_id]
        if len(listing) < _PAGE:
            break
    return mine


@console.get("/console")
def home() -> Any:
    visitor = _signed_in("creator")
    if isinstance(visitor, Response):
        return visitor
    return flask.render_template("console.html", campaigns=_own_campaigns(visitor))


@console.route("/console/new", methods=["GET", "POST"])
def new_campaign() -> Any:
    visitor = _signed_in("creator")
    if isinstance(visitor, Response):
        return visitor
    if flask.request.method != "POST":
        form = FormState(values={"currency": "EUR", "funding_model": "all_or_nothing"})
        return flask.render_template("console_new.html", form=form, rows=range(ROWS))
    form, body = _campaign_form()
    if form.ok:
        try:
            made = context.services().pledges.post_json(
                "/api/v1/campaigns", body, token=visitor.token
            )
        except ApiError as exc:
            if exc.status == 401:
                raise
            errors = {_API_FIELDS.get(name, name): found for name, found in exc.errors.items()}
            form.add_api_errors(errors, set(form.values), exc.detail)
        else:
            flask.flash(f"Your draft “{made.get('title')}” is saved. Launch it when it is ready.")
            return flask.redirect(flask.url_for("console.home"))
    return flask.render_template("console_new.html", form=form, rows=range(ROWS)), 422


def _campaign_form() -> tuple[FormState, dict[str, Any]]:
    """The typed form, and the `POST /campaigns` body it makes (valid only if the form is ok)."""
    sent = flask.request.form
    names = list(_TEXT_FIELDS)
    for row in range(ROWS):
        names += [f"tier_name_{row}", f"tier_min_{row}", f"tier_limit_{row}"]
        names += [f"budget_category_{row}", f"budget_amount_{row}"]
    form = FormState(values={name: sent.get(name, "")[:_FIELD_MAX] for name in names})
    values = form.values
    currency = values["currency"].strip().upper()
    values["currency"] = currency
    body: dict[str, Any] = {"title": values["title"], "description": values["description"]}
    if not is_currency(currency):
        form.add("currency", "Enter a currency code, like EUR or USD.")
    body["currency"] = currency
    body["goal_amount"] = _amount(form, "goal", currency)
    if values["funding_model"] not in ("flexible", "all_or_nothing"):
        form.add("funding_model", "Choose Flexible or All or nothing.")
    body["funding_model"] = values["funding_model"]
    body["deadline"] = _deadline(form)
    body["tiers"], body["budget"] = [], []
    for row in range(ROWS):
        if any(values[f"tier_{part}_{row}"].strip() for part in ("name", "min", "limit")):
            tier: dict[str, Any] = {"name": values[f"tier_name_{row}"].strip()}
            tier["min_amount"] = _amount(form, f"tier_min_{row}", currency)
            tier["limit"] = _count(form, f"tier_limit_{row}")
            body["tiers"].append(tier)
        if values[f"budget_category_{row}"].strip() or values[f"budget_amount_{row}"].strip():
            line: dict[str, Any] = {"category": values[f"budget_category_{row}"].strip()}
            line["amount"] = _amount(form, f"budget_amount_{row}", currency)
            body["budget"].append(line)
    return form, body


def _amount(form: FormState, name: str, currency: str) -> int | None:
    if not is_currency(currency):
        return None  # the currency's own error says why; units cannot be known without it
    try:
        return to_minor_units(form.values[name], currency)
    except AmountError as exc:
        form.add(name, str(exc))
        return None


def _count(form: FormState, name: str) -> int | None:
    """A tier's limit: a whole number of backers, or blank for no limit."""
    text = form.values[name].strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9 or int(text) <= 0:
        form.add(name, "Enter a whole number of backers above zero, or leave it blank.")
        return None
    return int(text)


def _deadline(form: FormState) -> str | None:
    """A `datetime-local` value, read as UTC (the form says so), as RFC 3339."""
    text = form.values["deadline"].strip()
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        moment = None
    if moment is None:
        form.add("deadline", "Enter the deadline as a date and time, like 2027-03-31T18:00.")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


@console.post("/console/campaigns/<uuid:campaign_id>/<any(launch, cancel):action>")
def change_status(campaign_id: uuid.UUID, action: str) -> Any:
    visitor = _signed_in("creator")
    if isinstance(visitor, Response):
        return visitor
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
    return flask.redirect(flask.url_for("console.home"))


@console.get("/my/pledges")
def my_pledges() -> Any:
    visitor = _signed_in("backer")
    if isinstance(visitor, Response):
        return visitor
    pledges = context.services().pledges
    found = pledges.get_json(
        "/api/v1/me/pledges", params={"limit": _PAGE}, token=visitor.token
    ).get("pledges", [])
    titles: dict[str, str | None] = {}
    for pledge in found:
        campaign_id = str(pledge.get("campaign_id"))
        if campaign_id not in titles:
            try:
                campaign = pledges.get_json(f"/api/v1/campaigns/{campaign_id}", token=visitor.token)
                titles[campaign_id] = campaign.get("title")
            except ApiError as exc:
                if exc.status != 404:
                    raise
                titles[campaign_id] = None
    return flask.render_template("my_pledges.html", pledges=found, titles=titles)
