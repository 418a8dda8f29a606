"""Pages people share besides the campaign's own: one update with its questions and answers,
and the campaign's report. Each carries the campaign's share card in its metadata."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import flask
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from services.site import campaign_page, context, sharing_links
from services.site.forms import FormState

public = flask.Blueprint("public", __name__)

#: Earlier reports listed on the report page, newest first.
_EARLIER_REPORTS = 50


@public.get("/campaigns/<uuid:campaign_id>/updates/<uuid:update_id>")
def update(campaign_id: uuid.UUID, update_id: uuid.UUID) -> str:
    """One update as the updates service shows it to this visitor: a backers-only one reads
    "for backers" to everyone else, as on the campaign page."""
    services, visitor = context.services(), context.visitor()
    token = None if visitor is None else visitor.token
    campaign = services.pledges.campaign(campaign_id, token=token)
    # Read from the campaign's list, so an update of another campaign is no page of this one.
    found = [
        shown
        for shown in services.updates.campaign_updates(campaign_id, token=token)
        if str(shown.get("id")) == str(update_id)
    ]
    if not found:
        raise NotFound(_("This campaign has no such update."))
    shown = found[0]
    public_text = shown.get("visibility") == "public" and "body_html" in shown
    path = flask.url_for("public.update", campaign_id=campaign_id, update_id=update_id)
    return flask.render_template(
        "update.html",
        campaign=campaign,
        update=shown,
        threads=campaign_page.comment_threads([shown], visitor),
        form_for=lambda kind, target, **defaults: FormState(),
        share=sharing_links.page_meta(
            title=f"{shown['title']} · {campaign['title']}"
            if public_text
            else _("An update from %(campaign)s", campaign=campaign["title"]),
            description=_plain(shown.get("body_html", ""))
            if public_text
            else campaign["description"],
            path=path,
            campaign=campaign,
            kind="article",
        ),
    )


@public.get("/campaigns/<uuid:campaign_id>/report")
def report(campaign_id: uuid.UUID) -> str:
    """The latest published report: what it covers, links to it (PDF and HTML, at the ledger)
    and to the earlier ones, and the ledger's figures, said to be the report's own only when
    the books have not moved since."""
    services = context.services()
    campaign = services.pledges.campaign(campaign_id, token=context.token())
    reports = services.ledger.reports(campaign_id)[: _EARLIER_REPORTS + 1]
    latest = services.ledger.report(campaign_id, reports[0]["id"]) if reports else None
    balance = services.ledger.balance(campaign_id) if latest else None
    now = sharing_links.tree_size(services.ledger.checkpoint(campaign_id)) if balance else None
    return flask.render_template(
        "report.html",
        campaign=campaign,
        latest=latest,
        earlier=reports[1:],
        balance=balance,
        books_moved=latest is not None and now != latest.get("tree_size"),
        share=sharing_links.page_meta(
            title=_("Spending report · %(campaign)s", campaign=campaign["title"]),
            description=_(
                "Where the money of %(campaign)s went, entry by entry, in books anyone can verify.",
                campaign=campaign["title"],
            ),
            path=flask.url_for("public.report", campaign_id=campaign_id),
            campaign=campaign,
            kind="article",
        ),
    )


def _plain(body_html: Any) -> str:
    """An update's sanitised HTML as plain words, for a preview's description."""
    return html.unescape(re.sub(r"<[^>]*>", " ", str(body_html)))
