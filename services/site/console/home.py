"""The creator console's home (their campaigns, launch and cancel) and the new-campaign form,
over the pledges API with the creator's token. Each campaign's own console page is in
campaign.py; the campaign form in campaign_form.py."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _

from services.site import context, refusals
from services.site.access import signed_in
from services.site.clients import ApiError
from services.site.confirming import confirmed
from services.site.console import campaign_form
from services.site.console.payout_view import payout_view
from services.site.cover_uploads import chosen_picture, upload_cover
from services.site.forms import FormState
from services.site.i18n import current_language
from services.site.paging import requested_offset

console = flask.Blueprint("console", __name__)

#: Campaigns the console lists per page.
CAMPAIGNS_PAGE = 100


@console.get("/console")
def home() -> Any:
    visitor = signed_in("creator")
    offset = requested_offset()
    pledges = context.services().pledges
    campaigns = pledges.my_campaigns(token=visitor.token, limit=CAMPAIGNS_PAGE, offset=offset)
    # Accounts made by an operator have no address to confirm (None).
    verification = pledges.email_verification(token=visitor.token)
    return flask.render_template(
        "console.html",
        campaigns=campaigns,
        offset=offset,
        page_size=CAMPAIGNS_PAGE,
        more=len(campaigns) == CAMPAIGNS_PAGE,
        email_unconfirmed=verification is not None and verification.get("email_verified") is False,
        payouts=payout_view(pledges, visitor.token),
    )


@console.route("/console/new", methods=["GET", "POST"])
def new_campaign() -> Any:
    visitor = signed_in("creator")
    if flask.request.method != "POST":
        # An Indonesian page suggests rupiah, Jakarta's time and Indonesian automatic updates.
        language = current_language()
        currency = "IDR" if language == "id" else "EUR"
        form = FormState(
            values={
                "currency": currency,
                "funding_model": "all_or_nothing",
                "language": language,
                "timezone": campaign_form.default_time_zone(language),
            }
        )
        return _new_page(form, (1, 1))
    rows = campaign_form.row_counts()
    form, body = campaign_form.read_campaign_form(*rows)
    campaign_form.row_counts(form)
    changed = campaign_form.changed_rows(form, *rows)
    if changed is not None:
        # A row added or removed: the same form again, as typed, nothing sent yet.
        form.errors = {k: v for k, v in form.errors.items() if k in ("tiers", "budget")}
        return _new_page(form, changed), 422 if form.errors else 200
    if form.ok:
        try:
            made = context.services().pledges.create_campaign(body, token=visitor.token)
        except ApiError as exc:
            if exc.status == 401:
                raise
            campaign_form.add_api_errors(form, exc.errors, exc.detail)
        else:
            picture = chosen_picture()
            refused = upload_cover(made["id"], picture, visitor.token) if picture else []
            if refused:
                # The draft exists: the picture is chosen again on its edit form.
                flask.flash(
                    _(
                        "Your draft “%(title)s” is saved, but its cover image was not: %(why)s",
                        title=made.get("title"),
                        why=" ".join(refused),
                    )
                )
                return flask.redirect(
                    flask.url_for("console_campaign.edit", campaign_id=made["id"])
                )
            flask.flash(
                _(
                    "Your draft “%(title)s” is saved. Its deadline is %(local)s %(zone)s, "
                    "%(utc)s. Launch it when it is ready.",
                    title=made.get("title"),
                    local=form.values["deadline"].replace("T", " "),
                    zone=form.values["timezone"] or "UTC",
                    utc=campaign_form.deadline_in_utc(form),
                )
            )
            return flask.redirect(flask.url_for("console.home"))
    return _new_page(form, rows), 422


def _new_page(form: FormState, rows: tuple[int, int]) -> str:
    return flask.render_template(
        "console_new.html",
        form=form,
        tier_rows=range(rows[0]),
        budget_rows=range(rows[1]),
        time_zones=campaign_form.time_zone_options(),
        deadline_utc=campaign_form.deadline_in_utc(form) if form.values.get("deadline") else None,
        heading=_("New campaign"),
        cover=None,
        action=flask.url_for("console.new_campaign"),
        button=_("Create"),
    )


@console.post("/console/campaigns/<uuid:campaign_id>/<any(launch, cancel):action>")
def change_status(campaign_id: uuid.UUID, action: str) -> Any:
    if flask.request.form.get("back") == "campaign":
        # Sent from the campaign's own console page: back there, not to the list.
        back = flask.url_for("console_campaign.campaign", campaign_id=campaign_id)
    else:
        back = flask.url_for("console.home")
    visitor = signed_in("creator", back_to=back)
    if action == "cancel" and not confirmed():
        # Cancelling is for good: only the page saying what it releases and who is told sends
        # the confirmation; anything else is sent there, and nothing changes.
        return flask.redirect(
            flask.url_for(
                "console_campaign.confirm_cancel",
                campaign_id=campaign_id,
                back=flask.request.form.get("back") or None,
            ),
            303,
        )
    pledges = context.services().pledges
    change = pledges.launch if action == "launch" else pledges.cancel
    try:
        done = change(campaign_id, token=visitor.token)
    except ApiError as exc:
        if exc.status == 401:
            raise
        # A launch waiting for the payout account gets a link to set it up beside its words.
        category = "payouts" if refusals.needs_payout_account(exc.problem) else "message"
        # A term the payment provider cannot charge names its field, which the flash says.
        words = campaign_form.refusal_in_words(exc.errors, exc.detail)
        refused = (
            _("That campaign could not be launched.")
            if action == "launch"
            else _("That campaign could not be cancelled.")
        )
        flask.flash(words or refused, category)
    else:
        title = done.get("title")
        flask.flash(
            _("“%(title)s” is launched: it is live.", title=title)
            if action == "launch"
            else _("“%(title)s” is cancelled.", title=title)
        )
    return flask.redirect(back)
