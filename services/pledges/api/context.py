"""What the pledges routes share: who is asking (for rate limits), and a campaign's public view.

Routes reach the service's dependencies through `bootstrap.current_dependencies()`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import flask

from services.pledges.bootstrap import current_dependencies
from services.pledges.domain import Campaign, CampaignStatus
from shared.images import WIDTHS
from shared.markdown import render_markdown

#: CampaignOut's fields that come straight from the campaign record.
_RECORD_FIELDS = (
    "id",
    "test_mode",
    "language",
    "creator_id",
    "title",
    "description",
    "status",
    "funding_model",
    "goal_amount",
    "currency",
    "pledged_amount",
    "backers_count",
    "deadline",
    "created_at",
    "updated_at",
    "launched_at",
    "ended_at",
    "revised_at",
    "tiers",
    "budget",
)
_OPEN = (CampaignStatus.DRAFT, CampaignStatus.LIVE)


def client_address() -> str:
    """Who is asking, for rate limits: the peer, or the person a trusted proxy (the site)
    names; `TrustedProxyFix` (see the app factory) has already decided which."""
    return (flask.request.remote_addr or "")[:64]


def campaign_view(campaign: Campaign, moment: datetime | None = None) -> dict[str, Any]:
    """The campaign as anyone may see it at `moment`: totals and tiers, never who pledged what."""
    moment = moment or current_dependencies().clock()
    view = {name: getattr(campaign, name) for name in _RECORD_FIELDS}
    # Exact arithmetic on integers: a share of the goal is never a float.
    # The story as HTML made on every read, like an update's body: the source is kept as
    # written, and a tighter allow-list covers old stories too.
    view["description_html"] = render_markdown(campaign.description)
    view["funded_percent"] = math.floor(campaign.share_of_goal * 100)
    left = campaign.time_left(moment) if campaign.status in _OPEN else timedelta(0)
    view["seconds_left"] = left // timedelta(seconds=1)
    view["cover"] = (
        None
        if campaign.cover_sha256 is None
        else {"sha256": campaign.cover_sha256, "sizes": list(WIDTHS)}
    )
    return view
