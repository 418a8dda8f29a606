"""The creator console's money pages: log an expense, post an update (with a preview), publish
a report."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import Forbidden

from services.site import context
from services.site.access import creators_campaign
from services.site.clients import ApiError
from services.site.confirming import Confirmation, confirmation_page, confirmed
from services.site.console.previews import insert_picture, preview, wants_preview
from services.site.display import can_log_expenses
from services.site.forms import FormState, read_form, send
from services.site.limits import published
from shared.images import MAX_UPLOAD_BYTES

console_money = flask.Blueprint("console_money", __name__)

_EXPENSE_FIELDS = {
    "amount",
    "category",
    "description",
    "vendor",
    "incurred_on",
    "receipt",
    "receipt_reuse_reason",
}
#: The expense form's text field for a category that is none of the budget lines.
_OTHER_CATEGORY = "other_category"
_UPDATE_FIELDS = {"title", "body", "visibility"}


@console_money.url_value_preprocessor
def _allow_larger_forms(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Runs before the app's CSRF check parses the form, so the receipt (or a full-length update)
    # fits, within what the service publishes (Flask >= 3.1 lets a request raise its own
    # limit); every other form keeps the site's small one.
    if endpoint == "console_money.new_expense":
        flask.request.max_content_length = published().receipt_upload_max()
    elif endpoint == "console_money.new_update":
        # The form may carry a picture to insert (the updates service judges it).
        flask.request.max_content_length = published().update_form_max() + MAX_UPLOAD_BYTES


@console_money.route("/console/campaigns/<uuid:campaign_id>/expenses/new", methods=["GET", "POST"])
def new_expense(campaign_id: uuid.UUID) -> Any:
    visitor, campaign = creators_campaign(campaign_id)
    if not can_log_expenses(context.services().ledger.balance(campaign_id)):
        raise Forbidden(_("Expenses are logged once the campaign has money to spend."))
    lines = _budget_lines(campaign)
    if flask.request.method != "POST":
        form = FormState(values={"category": lines[0]} if lines else {})
        return _expense_page(campaign, form, lines)
    form = read_form((_EXPENSE_FIELDS - {"receipt"}) | {_OTHER_CATEGORY})
    currency = str(campaign.get("currency"))
    body = {name: form.values[name] for name in ("description", "vendor")}
    body |= {"currency": currency, "incurred_on": form.values["incurred_on"]}
    body["category"] = _chosen_category(form, lines)
    if form.values["receipt_reuse_reason"].strip():
        body["receipt_reuse_reason"] = form.values["receipt_reuse_reason"]
    amount = form.amount("amount", currency)
    if amount is not None:
        body["amount"] = str(amount)
    upload = flask.request.files.get("receipt")
    if upload is None or not upload.filename:
        form.add("receipt", _("Choose the receipt file (PDF, PNG or JPEG)."))
    if form.ok and upload is not None and upload.filename:
        # The upload's own stream (spooled to disk by Werkzeug when large) goes on to the
        # ledger as it is read: the site never holds a whole receipt in memory.
        receipt = (upload.filename, upload.stream, upload.mimetype or "application/octet-stream")
        logged = send(
            form,
            lambda: context.services().ledger.record_expense(
                campaign_id, body, receipt, token=visitor.token
            ),
            fields=_EXPENSE_FIELDS | {"currency"},
            fallback=_("The ledger refused it."),
            error_pages={401},
        )
        if logged is not None:
            flask.flash(_("The expense is logged in the ledger."))
            return flask.redirect(flask.url_for("pages.campaign", campaign_id=campaign_id))
        if lines and form.values["category"] == "" and "category" in form.errors:
            # The category typed for "Another category" is what the ledger refused.
            form.errors[_OTHER_CATEGORY] = form.errors.pop("category")
    return _expense_page(campaign, form, lines), 422


def _budget_lines(campaign: dict[str, Any]) -> list[str]:
    """The campaign's budget lines, as its creator named them, in their order."""
    found = (line.get("category") for line in campaign.get("budget") or [])
    return [category for category in found if isinstance(category, str) and category]


def _chosen_category(form: FormState, lines: list[str]) -> str:
    """The category of the form: a budget line chosen, or (choosing "Another category", the
    blank choice) the one typed. The ledger keeps spending outside the budget under a category
    of its own, so a campaign without budget lines has only the typed field."""
    chosen, typed = form.values["category"], form.values[_OTHER_CATEGORY].strip()
    if not lines:
        return chosen
    if chosen not in lines and chosen.strip() and not typed:
        # No budget line's (a form from before the budget changed, a hand-made request): it
        # is another category, and shown again as one should the form come back.
        form.values |= {"category": "", _OTHER_CATEGORY: chosen}
        return chosen
    if chosen == "" and not typed:
        form.add(_OTHER_CATEGORY, _("Type the category, or choose one of the budget lines."))
    elif chosen != "" and typed:
        form.add(
            _OTHER_CATEGORY,
            _("Choose “Another category” above to use this one, or leave this field empty."),
        )
    return chosen or typed


def _expense_page(campaign: dict[str, Any], form: FormState, lines: list[str]) -> str:
    return flask.render_template(
        "expense_new.html",
        campaign=campaign,
        form=form,
        category_options=[(line, line) for line in lines],
    )


@console_money.route("/console/campaigns/<uuid:campaign_id>/updates/new", methods=["GET", "POST"])
def new_update(campaign_id: uuid.UUID) -> Any:
    visitor, campaign = creators_campaign(campaign_id)
    if flask.request.method != "POST":
        form = FormState(values={"visibility": "public"})
        return flask.render_template("update_new.html", campaign=campaign, form=form)
    form = read_form(_UPDATE_FIELDS | {"image_alt"})
    if form.values["visibility"] not in ("public", "backers"):
        form.add("visibility", _("Choose Public or Backers."))
    if flask.request.form.get("action") == "insert":
        inserted = insert_picture(form, campaign_id, visitor.token)
        page = flask.render_template("update_new.html", campaign=campaign, form=form)
        return page, 200 if inserted else 422
    if wants_preview():
        shown = preview(form, visitor.token)
        page = flask.render_template(
            "update_new.html", campaign=campaign, form=form, preview_html=shown
        )
        return page, 200 if form.ok else 422
    if form.ok:
        published_update = send(
            form,
            lambda: context.services().updates.publish(
                campaign_id,
                {name: form.values[name] for name in ("title", "body", "visibility")},
                token=visitor.token,
            ),
            fields=_UPDATE_FIELDS,
            fallback=_("It was not published."),
            error_pages={401},
        )
        if published_update is not None:
            flask.flash(_("Your update is published."))
            return flask.redirect(flask.url_for("pages.campaign", campaign_id=campaign_id))
    return flask.render_template("update_new.html", campaign=campaign, form=form), 422


@console_money.get("/console/campaigns/<uuid:campaign_id>/reports")
def confirm_report(campaign_id: uuid.UUID) -> Any:
    """What publishing signs, at which checkpoint, and that it stays published."""
    _visitor, campaign = creators_campaign(campaign_id)
    back = flask.url_for("console_campaign.campaign", campaign_id=campaign_id)
    size = _tree_size(context.services().ledger.checkpoint(campaign_id))
    if not size:
        flask.flash(_("The report was not published: the ledger has no entries to report yet."))
        return flask.redirect(back)
    confirmation = Confirmation(
        title=_("Publish a spending report of “%(title)s”?", title=campaign.get("title")),
        consequences=[
            ngettext(
                "The report covers the ledger's one entry, as its latest signed checkpoint "
                "holds it.",
                "The report covers the ledger's first %(num)d entries, as its latest signed "
                "checkpoint holds them.",
                size,
            ),
            _(
                "It is signed and published for anyone to read and verify, as a web page and a "
                "PDF, and listed with the campaign's reports."
            ),
            _(
                "A published report is permanent: it can never be changed or withdrawn. Later "
                "reports add to it."
            ),
        ],
        action=flask.url_for("console_money.publish_report", campaign_id=campaign_id),
        button=_("Publish the report"),
        back=back,
        back_label=_("No, go back"),
    )
    return confirmation_page(confirmation)


def _tree_size(checkpoint: str | None) -> int:
    """How many entries a signed checkpoint covers (its second line), 0 for none."""
    lines = (checkpoint or "").splitlines()
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0


@console_money.post("/console/campaigns/<uuid:campaign_id>/reports")
def publish_report(campaign_id: uuid.UUID) -> Any:
    visitor, _campaign = creators_campaign(campaign_id)
    if not confirmed():
        # Published for good: only its confirmation page sends the confirmation.
        return flask.redirect(
            flask.url_for("console_money.confirm_report", campaign_id=campaign_id), 303
        )
    try:
        report = context.services().ledger.publish_report(campaign_id, token=visitor.token)
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        flask.flash(
            _("The report was not published: %(why)s", why=exc.detail)
            if exc.detail
            else _("The report was not published: the ledger refused it.")
        )
    else:
        flask.flash(_("The spending report is published: %(url)s", url=report.get("url", "")))
    return flask.redirect(flask.url_for("pages.campaign", campaign_id=campaign_id))
