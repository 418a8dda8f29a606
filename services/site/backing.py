"""A backer's own pledges: the "My pledges" page, and on the campaign page a pledge's change of
amount or tier, or its cancellation, while the campaign is live. The pledges API decides; the
site shows its refusals next to the fields."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wrappers import Response

from services.site import access, campaign_page, context
from services.site.campaign_page import Retry, signed_in
from services.site.confirming import Confirmation, confirmation_page, confirmed
from services.site.display import in_words, money, when
from services.site.forms import FormState, read_form, send

backing = flask.Blueprint("backing", __name__)

_FIELDS = {"amount", "tier_id"}
_FIELD_MAX = 64
#: Pledges the "My pledges" page lists.
_MY_PLEDGES = 200


@backing.get("/my/pledges")
def my_pledges() -> Any:
    visitor = access.signed_in("backer")
    pledges = context.services().pledges
    found = pledges.my_pledges(token=visitor.token, limit=_MY_PLEDGES)
    titles: dict[str, str | None] = {}
    for pledge in found:
        campaign_id = str(pledge.get("campaign_id"))
        if campaign_id not in titles:
            campaign = pledges.campaign_if_found(campaign_id, token=visitor.token)
            titles[campaign_id] = None if campaign is None else campaign.get("title")
    return flask.render_template("my_pledges.html", pledges=found, titles=titles)


def _own_pledge(
    visitor: context.Visitor, campaign_id: uuid.UUID, pledge_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The visitor's pledge and its campaign. Someone else's pledge is refused by the pledges
    API (403, a page); one to another campaign is no pledge of this page (404)."""
    pledges = context.services().pledges
    pledge = pledges.pledge(pledge_id, token=visitor.token)
    if str(pledge.get("campaign_id")) != str(campaign_id):
        raise NotFound()
    if str(pledge.get("backer_id")) != visitor.account_id:
        # The campaign's creator may read a pledge, but only its backer changes it.
        raise Forbidden(_("Only the backer who made a pledge can change or cancel it."))
    return pledge, pledges.campaign(campaign_id, token=visitor.token)


def _back_to_pledge(campaign_id: uuid.UUID) -> Response:
    return flask.redirect(
        flask.url_for("pages.campaign", campaign_id=campaign_id, _anchor="your-pledge-heading")
    )


@backing.post("/campaigns/<uuid:campaign_id>/pledges/<uuid:pledge_id>/change")
def change_pledge(campaign_id: uuid.UUID, pledge_id: uuid.UUID) -> Any:
    visitor = signed_in(campaign_id, _("Sign in as a backer to change your pledge."))
    pledge, campaign = _own_pledge(visitor, campaign_id, pledge_id)
    form = read_form(_FIELDS, max_chars=_FIELD_MAX)
    body: dict[str, Any] = {"amount": form.amount("amount", str(campaign.get("currency")))}
    if campaign.get("tiers"):
        body["tier_id"] = form.values["tier_id"] or None  # "No tier" drops it
    if form.ok:
        now = send(
            form,
            lambda: context.services().pledges.change_pledge(pledge_id, body, token=visitor.token),
            fields=_FIELDS,
            fallback=_("The change was refused."),
        )
        if now is not None:
            flask.flash(
                _(
                    "Your pledge is now %(amount)s.",
                    amount=money(now.get("amount"), now.get("currency")),
                )
            )
            return _back_to_pledge(campaign_id)
    # A conflict with the campaign's state stays 409 (live no longer, tier sold out).
    retry = Retry("change", str(pledge["id"]), form)
    return campaign_page.render(campaign_id, campaign=campaign, retry=retry), form.status


@backing.post("/campaigns/<uuid:campaign_id>/pledges/<uuid:pledge_id>/cancel")
def cancel_pledge(campaign_id: uuid.UUID, pledge_id: uuid.UUID) -> Any:
    """The "Cancel pledge" button shows what cancelling does (confirming.py); only that page's
    button, with `confirm=yes` and the usual CSRF token, withdraws the pledge."""
    visitor = signed_in(campaign_id, _("Sign in as a backer to cancel your pledge."))
    pledge, campaign = _own_pledge(visitor, campaign_id, pledge_id)
    form = FormState()
    if pledge.get("status") != "pledged":
        flask.flash(
            _(
                "That pledge is already %(status)s, so nothing was changed.",
                status=in_words(pledge.get("status")),
            )
        )
        return _back_to_pledge(campaign_id)
    if not confirmed():
        if campaign_page.pledges_open(campaign):
            return confirmation_page(_cancelling(campaign, pledge))
        # Not asked for a choice that no longer exists: said where the button was.
        form.status = 409
        form.add(
            "_form",
            _(
                "Pledges can be changed or cancelled only while the campaign is live, before "
                "its deadline."
            ),
        )
    else:
        send(
            form,
            lambda: context.services().pledges.cancel_pledge(pledge_id, token=visitor.token),
            fields=(),
            fallback=_("The pledge could not be cancelled."),
        )
    if not form.ok:
        retry = Retry("cancel", str(pledge["id"]), form)
        return campaign_page.render(campaign_id, campaign=campaign, retry=retry), form.status
    amount = money(pledge.get("amount"), pledge.get("currency"))
    flask.flash(_("Your pledge of %(amount)s is cancelled.", amount=amount))
    return _back_to_pledge(campaign_id)


def _cancelling(campaign: dict[str, Any], pledge: dict[str, Any]) -> Confirmation:
    """Which pledge, that it is withdrawn and never charged, what the tier and the creator see,
    and that a new pledge may follow: all as the pledges service does it (cancelling frees the
    tier's place and lowers the campaign's tallies; only an active pledge blocks a new one)."""
    amount = money(pledge.get("amount"), pledge.get("currency"))
    title = str(campaign.get("title"))
    tier = next(
        (t for t in campaign.get("tiers") or [] if str(t.get("id")) == str(pledge.get("tier_id"))),
        None,
    )
    said = [
        _(
            "Your pledge of %(amount)s (tier “%(tier)s”) to “%(title)s” is withdrawn: you are "
            "never charged for it.",
            amount=amount,
            tier=tier.get("name"),
            title=title,
        )
        if tier
        else _(
            "Your pledge of %(amount)s to “%(title)s” is withdrawn: you are never charged for it.",
            amount=amount,
            title=title,
        )
    ]
    if tier and tier.get("limit") is not None:
        said.append(
            _(
                "Its place in the limited tier “%(tier)s” is freed for someone else: it is not "
                "kept for you.",
                tier=tier.get("name"),
            )
        )
    backers = int(campaign.get("backers_count") or 0)
    said.append(
        _(
            "The creator and everyone else see the campaign's backers go from %(before)d to "
            "%(after)d, and %(amount)s less pledged.",
            before=backers,
            after=max(backers - 1, 0),
            amount=amount,
        )
    )
    if campaign_page.takes_cards():
        if pledge.get("payment_status") == "card_saved":
            said.append(
                _(
                    "The card you saved for it is not charged. The payment provider keeps it on "
                    "file, unused; a new pledge asks you to save a card again."
                )
            )
        else:
            said.append(_("No card was saved for it, so no card is involved."))
    said.append(
        _(
            "You may pledge to this campaign again, as a new pledge, while it is live (until "
            "%(deadline)s).",
            deadline=when(campaign.get("deadline")),
        )
    )
    return Confirmation(
        title=_("Cancel your pledge of %(amount)s?", amount=amount),
        consequences=said,
        action=flask.url_for(
            "backing.cancel_pledge", campaign_id=campaign.get("id"), pledge_id=pledge.get("id")
        ),
        button=_("Cancel my pledge"),
        back=flask.url_for(
            "pages.campaign", campaign_id=campaign.get("id"), _anchor="your-pledge-heading"
        ),
        back_label=_("No, keep my pledge"),
    )


@backing.post("/campaigns/<uuid:campaign_id>/pledges/<uuid:pledge_id>/card")
def save_card(campaign_id: uuid.UUID, pledge_id: uuid.UUID) -> Any:
    """Send the backer to the payment provider's page to save a card for the pledge; the
    provider sends them back to the campaign page. The pledges service decides whether the
    pledge takes a card (and says so in test mode)."""
    visitor = signed_in(campaign_id, _("Sign in as a backer to save a card for your pledge."))
    pledge, campaign = _own_pledge(visitor, campaign_id, pledge_id)
    form = FormState()
    setup = send(
        form,
        lambda: context.services().pledges.start_card_setup(pledge_id, token=visitor.token),
        fields=(),
        fallback=_("No card can be saved for this pledge now."),
    )
    url = None if setup is None else setup.get("checkout_url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return flask.redirect(url, code=303)
    if setup is not None:  # an answer without a page to go to: nothing the backer can do
        form.status = 502
        form.add("_form", _("The payment provider gave no page to save a card. Try again shortly."))
    retry = Retry("card", str(pledge["id"]), form)
    return campaign_page.render(campaign_id, campaign=campaign, retry=retry), form.status
