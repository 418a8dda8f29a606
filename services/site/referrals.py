"""Where a visitor came from, remembered for their pledge: the `?ref=` tag of the campaign link
they followed, else the host of the other site that sent them.

Kept in the site's own (encrypted) session cookie, per campaign, first touch winning: a reload,
a later link or the pledge form's own round trips never change it. Nothing is sent anywhere
but with the visitor's pledge, to the pledges service; a value that is not a tag or a host is
dropped here (shared.referrals), so no link, path or 10 KB of junk reaches the cookie.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import flask

from services.site import context
from shared.referrals import SourceRefused, referring_host, tidy_source

#: Campaigns whose source one session remembers; the oldest goes first, so a visitor who
#: browses many campaigns never grows the cookie past a few hundred bytes.
KEPT_MAX = 10


def remember(response: flask.Response) -> flask.Response:
    """Once a campaign page (`/campaigns/{id}` and the pages under it) was shown: note where
    the visitor came from, unless this session already knows for that campaign. A page not
    shown (unknown campaign, a service down) remembers nothing."""
    request = flask.request
    campaign_id = (request.view_args or {}).get("campaign_id")
    if (
        request.method not in ("GET", "HEAD")
        or response.status_code != 200
        or campaign_id is None
        or not _remembers(request.path)
    ):
        return response
    kept = _kept()
    if any(cid == str(campaign_id) for cid, _ in kept):
        return response  # first touch wins
    source = _tag(request.args.get("ref")) or referring_host(
        request.headers.get("Referer"), _own_hosts()
    )
    if source is not None:
        kept = [*kept[-(KEPT_MAX - 1) :], (str(campaign_id), source)]
        flask.session[context.REFERRALS] = [list(pair) for pair in kept]
    return response


def source_for(campaign_id: object) -> str | None:
    """The source this session remembers for the campaign, for the visitor's pledge."""
    return next((source for cid, source in _kept() if cid == str(campaign_id)), None)


def _remembers(path: str) -> bool:
    """Pages people land on from a share: not the console's, not the embed (framed on other
    sites, where a cookie would be a third-party one; its links carry their own `?ref=`), and
    not files (cards, badges, feeds: fetched by crawlers and other sites, not visitors)."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return path.startswith("/campaigns/") and last != "embed" and "." not in last


def _tag(ref: str | None) -> str | None:
    try:
        return tidy_source(ref)
    except SourceRefused:
        return None  # a broken or hostile tag is no tag: the referring site may still count


def _own_hosts() -> set[str]:
    hosts = {
        urlsplit(flask.request.host_url).hostname,
        urlsplit(context.settings().public_url).hostname,
    }
    return {host for host in hosts if host}


def _kept() -> list[tuple[str, str]]:
    found = flask.session.get(context.REFERRALS)
    if not isinstance(found, list):
        return []
    return [
        (pair[0], pair[1])
        for pair in found
        if isinstance(pair, list | tuple)
        and len(pair) == 2
        and all(isinstance(part, str) for part in pair)
    ]
