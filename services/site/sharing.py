"""What other sites and crawlers fetch: a campaign's share card, its embed and badge, the
oEmbed answer about our pages, the sitemap and robots.txt. Anonymous reads only: a draft (which
only its creator may see) answers 404 to all of them, whoever asks."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlsplit

import flask
from flask_babel import gettext as _
from markupsafe import escape

from services.site import context, share_card, sharing_links
from services.site.badge import badge as make_badge
from services.site.card_cache import RETRY_AFTER, CardBusy, CardCache
from services.site.clients import ApiError, ServiceUnavailable
from services.site.security import allow_framing

sharing = flask.Blueprint("sharing", __name__)

#: Seconds a card, badge, embed or sitemap may be reused without asking: short, so figures
#: refresh within minutes, long enough that a chat of thousands costs one request each.
MAX_AGE = 300
#: The embed's size when the consumer states no bounds (it fits in less, down to a phone's).
EMBED_WIDTH, EMBED_HEIGHT = 400, 260
#: The sitemap protocol's most URLs in one file; campaigns are read a page of the API at a time.
SITEMAP_MAX, _PAGE = 50_000, 200
#: Statuses a sitemap lists: live campaigns and finished ones (their money trail stays worth
#: reading). Never drafts (private) nor cancelled ones (nothing to back, nothing spent).
SITEMAP_STATUSES = ("live", "succeeded", "failed")
#: Our pages an oEmbed consumer may ask about: a campaign, one of its updates, its report.
_SHARED_PATH = re.compile(
    r"/campaigns/(?P<id>[0-9a-fA-F-]{36})(?:/updates/[0-9a-fA-F-]{36}|/report|/embed)?/?"
)
#: Where crawlers have nothing to read: the console, a backer's own pages, signing in.
ROBOTS_DISALLOW = (
    "/console", "/my/", "/login", "/signup", "/logout", "/forgot-password", "/reset-password",
    "/verify",
)  # fmt: skip


@sharing.get("/campaigns/<uuid:campaign_id>/card.<any(png, jpg):suffix>")
def card(campaign_id: uuid.UUID, suffix: str) -> Any:
    media_type = "image/png" if suffix == "png" else "image/jpeg"
    facts = sharing_links.card_facts(campaign_id, sharing_links.card_language(), media_type)
    cards: CardCache = flask.current_app.extensions["site.cards"]
    try:
        found = cards.card(facts.key(), suffix, lambda: share_card.draw(facts, _cover(facts)))
    except CardBusy:
        flask.abort(
            flask.Response("Busy drawing cards; try again.", 503, {"Retry-After": str(RETRY_AFTER)})
        )
    response = flask.Response(found.data, mimetype=media_type)
    response.set_etag(found.key)
    response.last_modified = found.made_at
    return _public(response).make_conditional(flask.request)


def _cover(facts: share_card.CardFacts) -> bytes | None:
    """The cover's 1200 px rendition; none (a card without a picture) when pledges has none."""
    if facts.cover_sha256 is None:
        return None
    try:
        return context.services().pledges.cover_image(facts.cover_sha256, share_card.WIDTH)
    except (ApiError, ServiceUnavailable):
        return None


@sharing.get("/campaigns/<uuid:campaign_id>/embed")
def embed(campaign_id: uuid.UUID) -> Any:
    campaign = sharing_links.public_campaign(campaign_id)
    ledger = context.services().ledger
    balance = ledger.balance(campaign_id)
    checkpoint = sharing_links.tree_size(ledger.checkpoint(campaign_id)) if balance else None
    allow_framing()
    page = flask.render_template(
        "embed.html",
        campaign=campaign,
        balance=balance,
        checkpoint=checkpoint,
        campaign_url=sharing_links.absolute(
            flask.url_for("pages.campaign", campaign_id=campaign_id, ref="embed")
        ),
    )
    return _public(flask.Response(page, mimetype="text/html"))


@sharing.get("/campaigns/<uuid:campaign_id>/badge.svg")
def badge(campaign_id: uuid.UUID) -> Any:
    campaign = sharing_links.public_campaign(campaign_id)
    ledger = context.services().ledger
    verified = ledger.balance(campaign_id) is not None and bool(
        sharing_links.tree_size(ledger.checkpoint(campaign_id))
    )
    currency, language = campaign.get("currency"), sharing_links.card_language()
    figures = {
        "pledged": sharing_links.whole_money(campaign.get("pledged_amount"), currency, language),
        "goal": sharing_links.whole_money(campaign.get("goal_amount"), currency, language),
    }
    message = (
        _("%(pledged)s of %(goal)s · books verified", **figures)
        if verified
        else _("%(pledged)s of %(goal)s", **figures)
    )
    shown = make_badge(str(campaign.get("title", "")), message, verified)
    svg = flask.render_template("badge.svg", badge=shown)
    return _public(flask.Response(svg, mimetype="image/svg+xml"))


@sharing.get("/oembed")
def oembed() -> Any:
    """oEmbed 1.0 for our shared pages: a `rich` answer whose html frames the embed."""
    args = flask.request.args
    if args.get("format", "json") != "json":
        return _problem(501, "Only format=json is served.")
    sizes = {}
    for name in ("maxwidth", "maxheight"):
        text = args.get(name)
        if text is not None and not (text.isascii() and text.isdigit() and 0 < len(text) < 6):
            return _problem(400, "Must be a whole number of pixels.", field=name)
        sizes[name] = None if text is None else int(text)
    campaign_id = _campaign_of(args.get("url", ""))
    if campaign_id is None:
        return _problem(404, "That address is no campaign page of this site.")
    try:
        campaign = sharing_links.public_campaign(campaign_id)
    except ApiError as exc:
        if exc.status == 404:
            return _problem(404, "There is no such campaign.")
        raise
    return _public(flask.jsonify(_oembed_answer(campaign, sizes["maxwidth"], sizes["maxheight"])))


def _campaign_of(url: str) -> uuid.UUID | None:
    parts, ours = urlsplit(url), urlsplit(context.settings().public_url)
    if (parts.scheme, parts.netloc) != (ours.scheme, ours.netloc):
        return None
    found = _SHARED_PATH.fullmatch(parts.path)
    if found is None:
        return None
    try:
        return uuid.UUID(found["id"])
    except ValueError:
        return None


def _oembed_answer(
    campaign: dict[str, Any], maxwidth: int | None, maxheight: int | None
) -> dict[str, Any]:
    width = EMBED_WIDTH if maxwidth is None else min(EMBED_WIDTH, maxwidth)
    height = EMBED_HEIGHT if maxheight is None else min(EMBED_HEIGHT, maxheight)
    src = sharing_links.absolute(flask.url_for("sharing.embed", campaign_id=campaign["id"]))
    title = str(campaign.get("title", ""))
    answer: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": sharing_links.SITE_NAME,
        "provider_url": sharing_links.absolute("/"),
        "cache_age": MAX_AGE,
        "width": width,
        "height": height,
        # escape() writes the title and the address safe inside a double-quoted attribute.
        "html": (
            f'<iframe src="{escape(src)}" width="{width}" height="{height}" '
            f'title="{escape(title)}" loading="lazy" '
            'style="border:0;max-width:100%"></iframe>'
        ),
    }
    if (maxwidth or share_card.WIDTH) >= share_card.WIDTH and (
        maxheight or share_card.HEIGHT
    ) >= share_card.HEIGHT:
        answer.update(
            thumbnail_url=sharing_links.absolute(sharing_links.card_path(campaign)),
            thumbnail_width=share_card.WIDTH,
            thumbnail_height=share_card.HEIGHT,
        )
    return answer


def _problem(status: int, detail: str, field: str | None = None) -> flask.Response:
    """A refusal as problem+json: oEmbed's consumers are programs, not people."""
    body: dict[str, Any] = {"type": "about:blank", "status": status, "detail": detail}
    body["title"] = {400: "Bad request", 404: "Not found", 501: "Not implemented"}[status]
    if field:
        body["errors"] = {field: [detail]}
    response = flask.jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@sharing.get("/sitemap.xml")
def sitemap() -> Any:
    pledges, campaigns = context.services().pledges, list[dict[str, Any]]()
    for status in SITEMAP_STATUSES:
        offset = 0
        while len(campaigns) < SITEMAP_MAX:
            found = pledges.campaigns(status=status, limit=_PAGE, offset=offset)
            # The API filters by status; a page is listed only if it says so again.
            campaigns += [c for c in found if c.get("status") == status]
            if len(found) < _PAGE:
                break
            offset += _PAGE
    xml = flask.render_template(
        "sitemap.xml",
        home=sharing_links.absolute("/"),
        pages=[
            (
                sharing_links.absolute(flask.url_for("pages.campaign", campaign_id=c["id"])),
                c.get("updated_at") or "",
            )
            for c in campaigns[:SITEMAP_MAX]
        ],
    )
    return _public(flask.Response(xml, mimetype="application/xml"))


@sharing.get("/robots.txt")
def robots() -> Any:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /"]
    lines.append(f"Sitemap: {sharing_links.absolute('/sitemap.xml')}")
    return _public(flask.Response("\n".join(lines) + "\n", mimetype="text/plain"))


def _public(response: flask.Response) -> flask.Response:
    """The same for everyone who asks: shared caches may keep it a few minutes."""
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response
