"""Home, campaign and audit pages, and the pledge form: read from the three APIs, never a
database."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from services.site import audit_page, campaign_history, campaign_page, context, paging, referrals
from services.site.display import money
from services.site.forms import read_form, send
from shared.web.fields import MAX_LOG_POSITION

pages = flask.Blueprint("pages", __name__)

#: Campaigns on one page of the home page's list.
HOME_PAGE = 24
_QUERY_MAX = 200
_PLEDGE_FIELDS = ("amount", "tier_id")
#: The home page's filters (`?show=`): which campaign states each lists. Never drafts (private
#: to their creator). "Funded" are the product's showcase: the money is being spent, in public.
SHOWN = {
    "all": ("live", "succeeded", "failed", "cancelled"),
    "live": ("live",),
    "funded": ("succeeded",),
    "ended": ("failed", "cancelled"),
}


@pages.get("/")
def home() -> str:
    query = flask.request.args.get("q", "").strip()[:_QUERY_MAX]
    show = flask.request.args.get("show", "")
    show = show if show in SHOWN else "all"  # a hand-edited filter shows everything
    offset = paging.requested_offset()
    # One more than is shown, to know whether a next page has anything on it.
    listed = context.services().pledges.campaigns(
        status=SHOWN[show], title=query, limit=HOME_PAGE + 1, offset=offset
    )
    # The API filters by state; a card is shown only if it says so again.
    campaigns = [c for c in listed if c.get("status") in SHOWN[show]]

    def page_at(start: int) -> str:
        return _filter_url(show, query, offset=start)

    return flask.render_template(
        "home.html",
        campaigns=campaigns[:HOME_PAGE],
        query=query,
        show=show,
        filters=[(name, _filter_url(name, query)) for name in SHOWN],
        offset=offset,
        previous_page=page_at(max(offset - HOME_PAGE, 0)) if offset else None,
        next_page=page_at(offset + HOME_PAGE) if len(listed) > HOME_PAGE else None,
    )


def _filter_url(show: str, query: str, offset: int = 0) -> str:
    """A listing's link: the search kept; a filter's starts at the first page."""
    return flask.url_for(
        "pages.home",
        q=query or None,
        show=None if show == "all" else show,
        offset=offset or None,
    )


@pages.get("/campaigns/<uuid:campaign_id>")
def campaign(campaign_id: uuid.UUID) -> str:
    return campaign_page.render(campaign_id, entries_after=_entries_after())


def _entries_after() -> int:
    """`?entries_after=N`: the money trail's entries after seq N (-1, the default: from the
    first). Anything but a log position is no page of this campaign (404), never a 5xx."""
    text = flask.request.args.get("entries_after")
    if text is None:
        return -1
    if not text.isascii() or not text.isdigit() or len(text) > 16 or int(text) > MAX_LOG_POSITION:
        raise NotFound(_("There are no such entries: the link to them is broken."))
    return int(text)


@pages.post("/campaigns/<uuid:campaign_id>/pledge")
def pledge(campaign_id: uuid.UUID) -> Any:
    visitor = campaign_page.signed_in(campaign_id, _("Sign in as a backer to pledge."))
    pledges = context.services().pledges
    found = pledges.campaign(campaign_id, token=visitor.token)
    form = read_form(_PLEDGE_FIELDS, max_chars=64)
    body: dict[str, Any] = {"amount": form.amount("amount", str(found.get("currency")))}
    if form.values["tier_id"]:
        body["tier_id"] = form.values["tier_id"]
    source = referrals.source_for(campaign_id)
    if source is not None:
        body["source"] = source
    if form.ok:
        # One key per form shown: sending the same form twice pledges once.
        key = flask.request.form.get("idempotency_key", "")[:128] or str(uuid.uuid4())
        made = send(
            form,
            lambda: pledges.make_pledge(campaign_id, body, token=visitor.token, key=key),
            fields=_PLEDGE_FIELDS,
            fallback=_("The pledge was not recorded."),
            error_pages={401},
        )
        if made is not None:
            amount = money(made.get("amount"), found.get("currency"))
            flask.flash(_("Thank you! Your pledge of %(amount)s is recorded.", amount=amount))
            return flask.redirect(flask.url_for("pages.campaign", campaign_id=campaign_id))
    # 409 when it conflicts with how things stand: sold out, or a pledge already made (in
    # another tab): the page then shows that pledge, to change, with the refusal above it.
    return campaign_page.render(campaign_id, form=form, campaign=found), form.status


@pages.get("/campaigns/<uuid:campaign_id>/history")
def history(campaign_id: uuid.UUID) -> str:
    """A launched campaign's public history: each version of its title, story and tiers,
    oldest first, each saying what changed from the one before."""
    services = context.services()
    found = services.pledges.campaign(campaign_id, token=context.token())
    if found.get("status") == "draft":
        raise NotFound()  # a draft has no public history, even for its creator
    revisions = services.pledges.campaign_revisions(campaign_id)
    return flask.render_template(
        "campaign_history.html",
        campaign=found,
        versions=campaign_history.versions_with_changes(revisions),
    )


@pages.get("/campaigns/<uuid:campaign_id>/audit")
def audit(campaign_id: uuid.UUID) -> str:
    return audit_page.render(campaign_id)
