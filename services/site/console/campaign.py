"""One campaign in the creator console: its state, figures and actions, its pledges with a
refund form each, and the form to edit it while it is a draft. All over the services' APIs
with the creator's token; the services decide every rule, the site only asks."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import NotFound

from services.site import context, refusals
from services.site.access import creators_campaign
from services.site.clients import ApiError
from services.site.confirming import Confirmation, confirmation_page, confirmed
from services.site.console import campaign_form, campaign_revision
from services.site.cover_uploads import FIELD as COVER_FIELD
from services.site.cover_uploads import chosen_picture, upload_cover
from services.site.display import in_words, money, when
from services.site.forms import FormState, read_form, send
from services.site.paging import requested_offset

console_campaign = flask.Blueprint("console_campaign", __name__)

#: Pledges shown per page of a campaign's console.
PLEDGES_PAGE = 50
#: Failed and dropped pledges listed at most (the totals count them all).
UNPAID_SHOWN = 200
_REFUND_FIELDS = ("amount", "reason")
#: The refund's amount in minor units as its confirmation page said it.
_CONFIRMED_AMOUNT = "confirmed_amount"
#: Longer than any reason the pledges service takes: it says what is wrong with it.
_FIELD_MAX = 2_000


@console_campaign.get("/console/campaigns/<uuid:campaign_id>")
def campaign(campaign_id: uuid.UUID) -> Any:
    return _page(*creators_campaign(campaign_id))


@console_campaign.get("/console/campaigns/<uuid:campaign_id>/cancel")
def confirm_cancel(campaign_id: uuid.UUID) -> Any:
    """What cancelling releases and who is told, before it is done for good."""
    _visitor, shown = creators_campaign(campaign_id)
    from_campaign = flask.request.args.get("back") == "campaign"
    back = (
        flask.url_for("console_campaign.campaign", campaign_id=campaign_id)
        if from_campaign
        else flask.url_for("console.home")
    )
    title = str(shown.get("title"))
    # As the console offers it: a live campaign past its deadline is settled, not cancelled.
    over = shown.get("status") == "live" and int(shown.get("seconds_left") or 0) <= 0
    if over:
        flask.flash(
            _("“%(title)s” is past its deadline: it is settled, not cancelled.", title=title)
        )
    elif shown.get("status") not in ("draft", "live"):
        flask.flash(
            _(
                "“%(title)s” is %(status)s: it can no longer be cancelled.",
                title=title,
                status=in_words(shown.get("status")),
            )
        )
    if over or shown.get("status") not in ("draft", "live"):
        return flask.redirect(back)
    return confirmation_page(
        Confirmation(
            title=_("Cancel “%(title)s”?", title=title),
            consequences=_cancelling(shown),
            action=flask.url_for("console.change_status", campaign_id=campaign_id, action="cancel"),
            button=_("Cancel the campaign for good"),
            back=back,
            back_label=_("No, keep the campaign"),
            fields={"back": "campaign"} if from_campaign else {},
        )
    )


def _cancelling(shown: dict[str, Any]) -> list[str]:
    """What cancelling `shown` does, in the figures the pledges service gives: every pledge
    that stands is one backer's (`backers_count`) and is released."""
    if shown.get("status") == "draft":
        return [
            _("It is a draft nobody else has seen: no pledge is released and nobody is told."),
            _("This can never be undone: a cancelled campaign cannot be launched or edited."),
        ]
    backers = int(shown.get("backers_count") or 0)
    pledged = money(shown.get("pledged_amount"), shown.get("currency"))
    if backers:
        said = [
            ngettext(
                "%(num)d pledge, %(amount)s, is released: its backer is not charged.",
                "%(num)d pledges, %(amount)s in all, are released: no backer is charged.",
                backers,
                amount=pledged,
            ),
            ngettext(
                "Its backer is e-mailed that the campaign was cancelled, and its page says so.",
                "Its %(num)d backers are e-mailed that the campaign was cancelled, and its page "
                "says so.",
                backers,
            ),
        ]
    else:
        said = [
            _("Nobody has pledged yet, so no pledge is released."),
            _("The campaign's page says it was cancelled."),
        ]
    return [
        *said,
        _(
            "This can never be undone: a cancelled campaign cannot be launched again or take "
            "pledges."
        ),
    ]


@console_campaign.post("/console/campaigns/<uuid:campaign_id>/pledges/<uuid:pledge_id>/refund")
def refund(campaign_id: uuid.UUID, pledge_id: uuid.UUID) -> Any:
    # The page of pledges the form was on, to come back to after signing in or refunding.
    back = flask.url_for(
        "console_campaign.campaign", campaign_id=campaign_id, offset=requested_offset() or None
    )
    visitor, shown = creators_campaign(campaign_id, back_to=back)
    pledges = context.services().pledges
    pledge = pledges.pledge(pledge_id, token=visitor.token)
    if str(pledge.get("campaign_id")) != str(campaign_id):
        raise NotFound(_("That pledge is not one of this campaign's."))
    form = read_form(_REFUND_FIELDS, max_chars=_FIELD_MAX)
    currency = str(shown.get("currency"))
    body: dict[str, Any] = {"reason": form.values["reason"].strip()}
    amount = form.amount("amount", currency, optional=True)
    # Blank means all that is left: named in figures on the confirmation, and sent as that
    # figure, so what was confirmed is what is refunded even if another refund came between.
    left = int(pledge.get("amount") or 0) - int(pledge.get("refunded_amount") or 0)
    refunding = amount if amount is not None else left
    if not body["reason"]:
        form.add("reason", _("Give the reason for this refund."))
    if form.ok and refunding > left:
        # Said before asking to confirm a refund that cannot be, in the words and figures the
        # pledges service's refusal (409) would carry: the pledge's, as it just sent them.
        facts = {"left": left, "collected": int(pledge.get("amount") or 0), "currency": currency}
        form.add("amount", refusals.from_facts(facts))
    elif form.ok and refunding <= 0:
        form.add("amount", _("Nothing is left of this pledge to refund."))
    if form.ok and not (
        confirmed() and flask.request.form.get(_CONFIRMED_AMOUNT) == str(refunding)
    ):
        return confirmation_page(
            _refund_confirmation(shown, pledge, form, refunding, back, visitor.token)
        )
    if form.ok:
        body["amount"] = refunding
        done = send(
            form,
            lambda: pledges.refund(pledge_id, body, token=visitor.token),
            fields=_REFUND_FIELDS,
            fallback=_("Not refunded."),
        )
        if done is not None:
            returned = int(done.get("refunded_amount") or 0) - int(
                pledge.get("refunded_amount") or 0
            )
            flask.flash(
                _(
                    "Refunded %(amount)s; the ledger records it shortly.",
                    amount=money(returned, currency),
                )
            )
            return flask.redirect(back)
    # 409 (not collected, more than is left) and 422 land next to the fields, on a 422 page.
    return _page(visitor, shown, refund_forms={str(pledge_id): form}), 422


def _backer_name(shown: dict[str, Any], pledge: dict[str, Any], token: str) -> str | None:
    """The backer's name as the console's table shows it: a single pledge comes without one,
    so it is read from the page of pledges the form was on."""
    listed = context.services().pledges.campaign_pledges(
        shown.get("id"),
        token=token,
        limit=PLEDGES_PAGE,
        offset=requested_offset(),
    )
    found = [p for p in listed if str(p.get("id")) == str(pledge.get("id"))]
    return str(found[0]["backer_name"]) if found and found[0].get("backer_name") else None


def _refund_confirmation(
    shown: dict[str, Any],
    pledge: dict[str, Any],
    form: FormState,
    refunding: int,
    back: str,
    token: str,
) -> Confirmation:
    """Who is refunded how much (a blank amount said in figures: "€45.00, the whole pledge"),
    why, and that it is for good."""
    currency = str(shown.get("currency"))
    backer = _backer_name(shown, pledge, token) or _("A backer")
    pledged = int(pledge.get("amount") or 0)
    refunded = int(pledge.get("refunded_amount") or 0)
    sum_ = money(refunding, currency)
    if refunding == pledged:
        how_much = _("%(amount)s, the whole pledge.", amount=sum_)
    elif refunding == pledged - refunded:
        how_much = _(
            "%(amount)s, all that is left of the pledge (%(refunded)s of it was refunded before).",
            amount=sum_,
            refunded=money(refunded, currency),
        )
    else:
        how_much = _(
            "%(amount)s of the %(pledged)s pledge; %(kept)s of it is not refunded.",
            amount=sum_,
            pledged=money(pledged, currency),
            kept=money(pledged - refunded - refunding, currency),
        )
    return Confirmation(
        title=_("Refund %(amount)s to %(backer)s?", amount=sum_, backer=backer),
        consequences=[
            _(
                "%(backer)s is refunded for their pledge of %(amount)s made on %(when)s.",
                backer=backer,
                amount=money(pledged, currency),
                when=when(pledge.get("created_at")),
            ),
            how_much,
            _("The reason given: “%(reason)s”.", reason=form.values["reason"].strip()),
            _("%(backer)s is told of the refund and its reason.", backer=backer),
            _(
                "The refund is recorded in the campaign's public ledger for good: it cannot be "
                "taken back."
            ),
        ],
        action=flask.url_for(
            "console_campaign.refund",
            campaign_id=shown.get("id"),
            pledge_id=pledge.get("id"),
            offset=requested_offset() or None,
        ),
        button=_("Refund %(amount)s", amount=sum_),
        back=back,
        back_label=_("No, go back"),
        fields={
            "amount": form.values["amount"],
            "reason": form.values["reason"],
            _CONFIRMED_AMOUNT: str(refunding),
        },
    )


@console_campaign.route("/console/campaigns/<uuid:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id: uuid.UUID) -> Any:
    visitor, draft = creators_campaign(campaign_id)
    if draft.get("status") in ("live", "succeeded"):
        return revise(visitor, draft)
    if draft.get("status") != "draft":
        flask.flash(
            _(
                "“%(title)s” is %(status)s: it can no longer be edited, so nothing was changed.",
                title=draft.get("title"),
                status=in_words(draft.get("status")),
            )
        )
        return flask.redirect(flask.url_for("console_campaign.campaign", campaign_id=campaign_id))
    if flask.request.method != "POST":
        return _edit_page(draft, campaign_form.filled_with(draft), campaign_form.rows_for(draft))
    rows = campaign_form.row_counts()
    form, body = campaign_form.read_campaign_form(*rows, keep_tier_ids=True)
    campaign_form.row_counts(form)
    changed = campaign_form.changed_rows(form, *rows)
    if changed is not None:
        form.errors = {k: v for k, v in form.errors.items() if k in ("tiers", "budget")}
        return _edit_page(draft, form, changed), 422 if form.errors else 200
    if form.values["deadline"].strip() == campaign_form.deadline_field(
        draft.get("deadline")
    ) and form.values["timezone"] in ("", "UTC"):
        # Untouched: keep the deadline to the second, as it was (the form shows minutes).
        del body["deadline"]
    if form.ok:
        try:
            saved = context.services().pledges.edit_campaign(campaign_id, body, token=visitor.token)
        except ApiError as exc:
            if exc.status in (401, 403, 404):
                raise
            campaign_form.add_api_errors(form, exc.errors, exc.detail)
        else:
            picture = chosen_picture()
            refused = upload_cover(campaign_id, picture, visitor.token) if picture else []
            if not refused:
                flask.flash(_("Your draft “%(title)s” is saved.", title=saved.get("title")))
                return flask.redirect(
                    flask.url_for("console_campaign.campaign", campaign_id=campaign_id)
                )
            form.errors[COVER_FIELD] = refused
            form.add("_form", _("The rest of the draft is saved; its cover image was not."))
            draft = saved
    return _edit_page(draft, form, rows), 422


def _edit_page(draft: dict[str, Any], form: FormState, rows: tuple[int, int]) -> str:
    return flask.render_template(
        "console_new.html",
        form=form,
        tier_rows=range(rows[0]),
        budget_rows=range(rows[1]),
        time_zones=campaign_form.time_zone_options(),
        deadline_utc=campaign_form.deadline_in_utc(form) if form.values.get("deadline") else None,
        heading=_("Edit “%(title)s”", title=draft.get("title")),
        cover=draft.get("cover"),
        action=flask.url_for("console_campaign.edit", campaign_id=draft.get("id")),
        button=_("Save"),
    )


def revise(visitor: Any, campaign: dict[str, Any]) -> Any:
    """A launched campaign's words: its title, story and each tier's name, description and
    delivery month. What backers pledged on is shown, not offered (the service refuses it)."""
    campaign_id = campaign.get("id")
    if flask.request.method != "POST":
        return _revise_page(campaign, campaign_revision.filled_with(campaign))
    form, body = campaign_revision.read(campaign)
    saved = None
    if form.ok:
        try:
            saved = context.services().pledges.edit_campaign(campaign_id, body, token=visitor.token)
        except ApiError as exc:
            if exc.status in (401, 403, 404):
                raise
            errors = {campaign_revision.api_field(k): v for k, v in exc.errors.items()}
            form.add_api_errors(errors, set(form.values), exc.detail or _("Nothing was changed."))
        if saved is not None:
            flask.flash(
                _(
                    "“%(title)s” is revised; its history shows both versions.",
                    title=saved.get("title"),
                )
            )
            return flask.redirect(
                flask.url_for("console_campaign.campaign", campaign_id=campaign_id)
            )
    return _revise_page(campaign, form), 422


def _revise_page(campaign: dict[str, Any], form: FormState) -> str:
    return flask.render_template("console_revise.html", campaign=campaign, form=form)


def _page(
    visitor: context.Visitor,
    shown: dict[str, Any],
    refund_forms: dict[str, FormState] | None = None,
) -> str:
    """The campaign's console page; `refund_forms` holds a refund form sent back with errors."""
    offset = requested_offset()
    pledges: list[dict[str, Any]] = []
    balance = None
    unpaid: dict[str, Any] | None = None
    unpaid_pledges: list[dict[str, Any]] = []
    referrals: dict[str, Any] | None = None
    if shown.get("status") != "draft":  # a draft takes no pledges and has no ledger yet
        services = context.services()
        pledges = services.pledges.campaign_pledges(
            shown.get("id"), token=visitor.token, limit=PLEDGES_PAGE, offset=offset
        )
        balance = services.ledger.balance(shown.get("id"))
        referrals = services.pledges.referrals(shown.get("id"), token=visitor.token)
    if shown.get("status") == "succeeded":  # only a succeeded campaign's pledges are charged
        unpaid, unpaid_pledges = _unpaid(visitor, shown)
    return flask.render_template(
        "console_campaign.html",
        campaign=shown,
        pledges=pledges,
        tier_names={str(t.get("id")): t.get("name") for t in shown.get("tiers") or []},
        refund_forms=refund_forms or {},
        blank_form=FormState(),
        balance=balance,
        unpaid=unpaid,
        referrals=referrals,
        share_url=context.settings().public_url
        + flask.url_for("pages.campaign", campaign_id=shown.get("id")),
        failed_pledges=[p for p in unpaid_pledges if p.get("status") == "payment_failed"],
        dropped_pledges=[p for p in unpaid_pledges if p.get("status") == "dropped"],
        unpaid_shown=UNPAID_SHOWN,
        offset=offset,
        page_size=PLEDGES_PAGE,
        more=len(pledges) == PLEDGES_PAGE,
    )


def _unpaid(
    visitor: context.Visitor, shown: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """What settlement's charges left unpaid: the totals, and (when there are any) the pledges
    whose payment failed or that dropped, newest first; (None, []) when all is paid."""
    pledges = context.services().pledges
    unpaid: dict[str, Any] = pledges.unpaid_pledges(shown.get("id"), token=visitor.token)
    counts = [int((unpaid.get(kind) or {}).get("pledges") or 0) for kind in _UNPAID]
    if not any(counts):
        return None, []
    found = pledges.campaign_pledges(
        shown.get("id"), token=visitor.token, limit=UNPAID_SHOWN, offset=0, statuses=_UNPAID
    )
    return unpaid, found


_UNPAID = ("payment_failed", "dropped")
