"""The page `GET /campaigns/{id}/updates.atom`: a campaign's public updates as an Atom feed.

A plain blueprint (a page, not part of the JSON API or its spec). The feed is RFC 4287: entry
ids are `urn:uuid:<update id>`, stable for good; every `updated` comes from the updates
themselves (last revision or retraction), the feed's from its newest entry, never from the
clock, so the same updates always give the same document. Only public updates appear, a
retracted one as its notice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import flask
from feedgen.feed import FeedGenerator

from services.updates import queries
from services.updates.bootstrap import current_dependencies
from services.updates.domain import Update
from shared.markdown import render_markdown

ATOM = "application/atom+xml"

feed_blp = flask.Blueprint("updates_feed", __name__)


@feed_blp.get("/campaigns/<uuid:campaign_id>/updates.atom")
def campaign_feed(campaign_id: uuid.UUID) -> flask.Response:
    dependencies = current_dependencies()
    with dependencies.uow_factory() as uow:
        campaign, public = queries.feed_updates(uow, campaign_id)
    base = dependencies.updates_settings.public_url
    # Newest first; feedgen prepends by default, so each entry is appended in this order.
    entries = sorted(public, key=lambda u: (u.published_at, u.id), reverse=True)

    feed = FeedGenerator()
    feed.id(f"urn:uuid:{campaign.campaign_id}")
    feed.title(f"{campaign.title}: updates")
    feed.author({"name": campaign.title})
    feed.link(href=f"{base}/campaigns/{campaign.campaign_id}/updates.atom", rel="self")
    feed.link(href=f"{base}/api/v1/campaigns/{campaign.campaign_id}/updates", rel="alternate")
    times = [_updated(update) for update in entries]
    # feedgen would stamp now() otherwise: the newest entry, or the campaign's last change.
    feed.updated(max(times, default=campaign.updated_at))
    for update, updated in zip(entries, times, strict=True):
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{update.id}")
        entry.link(href=f"{base}/api/v1/updates/{update.id}", rel="alternate")
        entry.published(update.published_at)
        entry.updated(updated)
        if update.retracted:
            entry.title("Retracted update")
            entry.content(queries.retraction_notice(update), type="html")
        else:
            entry.title(update.title)
            entry.content(render_markdown(update.body), type="html")
    return flask.Response(feed.atom_str(pretty=True), mimetype=ATOM)


def _updated(update: Update) -> datetime:
    return update.retracted_at or update.revised_at or update.published_at
