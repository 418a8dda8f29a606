"""The creator console's money pages: log an expense, post an update (with a preview), publish
a report, audit; and the form helpers the other console pages share."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from werkzeug.exceptions import Forbidden

from services.site import context
from services.site.access import creators_campaign
from services.site.clients import ApiError
from services.site.forms import AmountError, FormState, send, to_minor_units
from services.site.pages import _money_trail

console_money = flask.Blueprint("console_money", __name__)

#: The ledger's default receipt limit (LEDGER_RECEIPT_MAX_BYTES, 10 MiB) plus room for the other
#: fields: past it the site answers 413 itself; below it the ledger judges the file.
RECEIPT_UPLOAD_MAX = 10 * 1024 * 1024 + 1024 * 1024
_EXPENSE_FIELDS = {"amount", "category", "description", "vendor", "incurred_on", "receipt"}
_UPDATE_FIELDS = {"title", "body", "visibility"}
#: Longer than anything the services accept (an update's body may hold 20,000 characters), so
#: they say what is wrong with it rather than the site cutting it short unseen.
_FIELD_MAX = 50_000
#: The updates service's own request limit (MAX_REQUEST_BYTES): a full-length body in any
#: script fits, form-encoded, where the site's usual 64 KiB would refuse it.
UPDATE_FORM_MAX = 256 * 1024


@console_money.url_value_preprocessor
def _allow_receipts(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Runs before the app's CSRF check parses the form, so the receipt fits (Flask >= 3.1 lets
    # a request raise its own limit); every other form keeps the site's small one.
    if endpoint == "console_money.new_expense":
        flask.request.max_content_length = RECEIPT_UPLOAD_MAX
    elif endpoint == "console_money.new_update":
        flask.request.max_content_length = UPDATE_FORM_MAX


@console_money.app_template_global()
def is_funded(campaign: dict[str, Any]) -> bool:
    """Money to spend: a succeeded campaign, or a live flexible one with pledges."""
    if campaign.get("status") == "succeeded":
        return True
    return (
        campaign.get("status") == "live"
        and campaign.get("funding_model") == "flexible"
        and int(campaign.get("pledged_amount") or 0) > 0
    )


def typed_form(names: set[str]) -> FormState:
    """What was typed into the fields `names`, cut past anything the services would accept."""
    form = flask.request.form
    return FormState(values={name: form.get(name, "")[:_FIELD_MAX] for name in names})


def wants_preview() -> bool:
    """The form was sent with its "Preview" button rather than the one that publishes."""
    return flask.request.form.get("action") == "preview"


def preview(form: FormState, token: str) -> str | None:
    """The typed body as the updates service would publish it, or None with its refusal next to
    the body. The service renders and sanitises it: the site never turns Markdown into HTML."""
    shown = send(
        form,
        lambda: context.services().updates.post_json(
            "/api/v1/previews", {"body": form.values["body"]}, token=token
        ),
        fields={"body"},
        fallback="It could not be previewed.",
        error_pages={401},
    )
    return None if shown is None else str(shown.get("body_html", ""))


@console_money.route("/console/campaigns/<uuid:campaign_id>/expenses/new", methods=["GET", "POST"])
def new_expense(campaign_id: uuid.UUID) -> Any:
    visitor, campaign = creators_campaign(campaign_id)
    if not is_funded(campaign):
        raise Forbidden("Expenses are logged once the campaign has money to spend.")
    if flask.request.method != "POST":
        return flask.render_template("expense_new.html", campaign=campaign, form=FormState())
    form = typed_form(_EXPENSE_FIELDS - {"receipt"})
    currency = str(campaign.get("currency"))
    body: dict[str, str] = {
        "currency": currency,
        "category": form.values["category"],
        "description": form.values["description"],
        "vendor": form.values["vendor"],
        "incurred_on": form.values["incurred_on"],
    }
    try:
        body["amount"] = str(to_minor_units(form.values["amount"], currency))
    except AmountError as exc:
        form.add("amount", str(exc))
    upload = flask.request.files.get("receipt")
    if upload is None or not upload.filename:
        form.add("receipt", "Choose the receipt file (PDF, PNG or JPEG).")
    if form.ok and upload is not None and upload.filename:
        # The upload's own stream (spooled to disk by Werkzeug when large) goes on to the
        # ledger as it is read: the site never holds a whole receipt in memory.
        receipt = (upload.filename, upload.stream, upload.mimetype or "application/octet-stream")
        logged = send(
            form,
            lambda: context.services().ledger.post_multipart(
                f"/api/v1/campaigns/{campaign_id}/expenses",
                body,
                {"receipt": receipt},
                token=visitor.token,
            ),
            fields=_EXPENSE_FIELDS | {"currency"},
            fallback="The ledger refused it.",
            error_pages={401},
        )
        if logged is not None:
            flask.flash("The expense is logged in the ledger.")
            return flask.redirect(flask.url_for("pages.campaign", campaign_id=campaign_id))
    page = flask.render_template("expense_new.html", campaign=campaign, form=form)
    return page, 422


@console_money.route("/console/campaigns/<uuid:campaign_id>/updates/new", methods=["GET", "POST"])
def new_update(campaign_id: uuid.UUID) -> Any:
    visitor, campaign = creators_campaign(campaign_id)
    if flask.request.method != "POST":
        form = FormState(values={"visibility": "public"})
        return flask.render_template("update_new.html", campaign=campaign, form=form)
    form = typed_form(_UPDATE_FIELDS)
    if form.values["visibility"] not in ("public", "backers"):
        form.add("visibility", "Choose Public or Backers.")
    if wants_preview():
        shown = preview(form, visitor.token)
        page = flask.render_template(
            "update_new.html", campaign=campaign, form=form, preview_html=shown
        )
        return page, 200 if form.ok else 422
    if form.ok:
        published = send(
            form,
            lambda: context.services().updates.post_json(
                f"/api/v1/campaigns/{campaign_id}/updates",
                {name: form.values[name] for name in ("title", "body", "visibility")},
                token=visitor.token,
            ),
            fields=_UPDATE_FIELDS,
            fallback="It was not published.",
            error_pages={401},
        )
        if published is not None:
            flask.flash("Your update is published.")
            return flask.redirect(flask.url_for("pages.campaign", campaign_id=campaign_id))
    return flask.render_template("update_new.html", campaign=campaign, form=form), 422


@console_money.post("/console/campaigns/<uuid:campaign_id>/reports")
def publish_report(campaign_id: uuid.UUID) -> Any:
    visitor, _ = creators_campaign(campaign_id)
    try:
        report = context.services().ledger.request(
            "POST", f"/api/v1/campaigns/{campaign_id}/reports", token=visitor.token
        )
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        flask.flash(f"The report was not published: {exc.detail or 'the ledger refused it.'}")
    else:
        url = report.json().get("url", "")
        flask.flash(f"The spending report is published: {url}")
    return flask.redirect(flask.url_for("pages.campaign", campaign_id=campaign_id))


@console_money.get("/campaigns/<uuid:campaign_id>/audit")
def audit(campaign_id: uuid.UUID) -> str:
    campaign = context.services().pledges.get_json(
        f"/api/v1/campaigns/{campaign_id}", token=context.token()
    )
    return flask.render_template(
        "audit.html",
        campaign=campaign,
        trail=_money_trail(campaign_id),
        ledger_url=context.settings().ledger_public_url,
    )
