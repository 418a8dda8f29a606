"""What makes a page travel: its canonical address, Open Graph and Twitter Card metadata, the
share links to each platform, and the facts its share card shows. A helper of the pages that
people share (campaign, update, report) and of the sharing blueprint.

Share links are plain links to each platform's documented share address, so no platform's
script ever runs on our pages and nothing is sent anywhere until the visitor clicks. Each
carries `?ref=<platform>` on our address, which the pledge remembers as its source.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any
from urllib.parse import quote, urlencode

import flask
from babel.numbers import format_currency
from flask_babel import gettext as _

from services.site import context, i18n
from services.site.share_card import HEIGHT, WIDTH, CardFacts
from shared.i18n import gettext_noop as N_
from shared.money import UnknownCurrency, to_major_units

SITE_NAME = "Fundtrail"
#: Languages a card is drawn in (numbers written the way their readers write them).
CARD_LOCALES = {"en": "en", "id": "id_ID"}
_DESCRIPTION_MAX = 200

#: (ref, label, share address, its parameter for our URL, its parameter for the title): each
#: platform's own documented share address. WhatsApp's click-to-chat takes one text, the title
#: and the URL together (its URL parameter is None).
PLATFORMS = (
    ("whatsapp", "WhatsApp", "https://wa.me/", None, "text"),
    ("x", "X", "https://x.com/intent/tweet", "url", "text"),
    ("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php", "u", None),
    ("telegram", "Telegram", "https://t.me/share/url", "url", "text"),
    ("linkedin", "LinkedIn", "https://www.linkedin.com/sharing/share-offsite/", "url", None),
    ("email", N_("E-mail"), "mailto:", "body", "subject"),
)


@dataclass(frozen=True)
class ShareLink:
    ref: str
    label: str
    href: str


def absolute(path: str) -> str:
    """`path` on the site as people reach it (SITE_PUBLIC_URL), whatever host the request
    named: a crawler behind a proxy must see the one canonical address."""
    return f"{context.settings().public_url}{path}"


def with_ref(url: str, ref: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'ref': ref})}"


def share_links(url: str, title: str) -> list[ShareLink]:
    """A link per platform sharing `url` (with its `?ref=`), and the copy-link one."""
    links = []
    for ref, label, address, url_param, text_param in PLATFORMS:
        ours = with_ref(url, ref)
        params = {url_param: ours} if url_param else {}
        if text_param:
            params[text_param] = title if url_param else f"{title} {ours}"
        query = urlencode(params, quote_via=quote)
        links.append(ShareLink(ref, _(label), f"{address}?{query}"))
    links.append(ShareLink("link", _("Link to share"), with_ref(url, "link")))
    return links


def card_path(campaign: dict[str, Any]) -> str:
    """The share card's path: JPEG over a cover photo (a tenth of the PNG's size, see
    docs/benchmarks.md), PNG for flat colour and text, where PNG is smaller and sharper."""
    suffix = "jpg" if campaign.get("cover") else "png"
    # An Indonesian page shares an Indonesian card; an English one, the address without `lang`.
    language = card_language()
    lang = None if language == "en" else language
    return flask.url_for("sharing.card", campaign_id=campaign["id"], suffix=suffix, lang=lang)


def page_meta(
    *, title: str, description: str, path: str, campaign: dict[str, Any], kind: str = "website"
) -> dict[str, Any]:
    """What `_share_meta.html` writes into a shared page's head."""
    url = absolute(path)
    campaign_url = absolute(flask.url_for("pages.campaign", campaign_id=campaign["id"]))
    image = card_path(campaign)
    return {
        "title": title,
        "description": summary(description),
        "url": url,
        "type": kind,
        "site_name": SITE_NAME,
        "image": absolute(image),
        "image_type": "image/jpeg" if ".jpg" in image else "image/png",
        "image_width": WIDTH,
        "image_height": HEIGHT,
        "image_alt": _("%(title)s: money pledged and spent", title=campaign.get("title", "")),
        "oembed": absolute(flask.url_for("sharing.oembed", url=campaign_url, format="json")),
        "share_links": share_links(url, title),
    }


def summary(text: str) -> str:
    """A description short enough for every platform's preview (they cut near 200)."""
    flat = " ".join(str(text).split())
    if len(flat) <= _DESCRIPTION_MAX:
        return flat
    return flat[: _DESCRIPTION_MAX - 1].rsplit(" ", 1)[0] + "…"


def public_campaign(campaign_id: uuid.UUID) -> dict[str, Any]:
    """The campaign as anyone sees it, never with the visitor's token: a draft answers 404
    here even to its creator, so no card, embed, badge or oEmbed of a draft ever exists."""
    found: dict[str, Any] = context.services().pledges.campaign(campaign_id, token=None)
    return found


def card_language() -> str:
    """The card's language: the page's (`?lang=`, then the visit's, the account's, the
    browser's; a crawler asks for none and gets English), so its words and its name agree."""
    language = i18n.current_language()
    return language if language in CARD_LOCALES else "en"


def whole_money(amount: object, currency: object, language: str) -> str:
    """An amount in whole units, rounded down ("€1,234", "Rp 1.500.000"): what a card or a
    badge has room for, never more than was raised or spent."""
    if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(currency, str):
        return "—"
    try:
        whole = to_major_units(amount, currency).quantize(Decimal(1), rounding=ROUND_DOWN)
    except UnknownCurrency:
        return f"{amount} {currency}"
    locale = CARD_LOCALES.get(language, "en")
    # Indonesian readers write a space after the symbol ("Rp 1.500.000"), which Babel's id
    # pattern leaves out; a no-break one, so a card never splits the amount from its currency.
    pattern = "¤\u00a0#,##0" if language == "id" else "¤#,##0"
    return format_currency(whole, currency, format=pattern, currency_digits=False, locale=locale)


def tree_size(checkpoint: str | None) -> int | None:
    """The tree size of a signed checkpoint's body (its second line), None without one."""
    lines = (checkpoint or "").splitlines()
    if len(lines) > 1 and lines[1].isascii() and lines[1].isdigit():
        return int(lines[1])
    return None


def card_facts(campaign_id: uuid.UUID, language: str, media_type: str) -> CardFacts:
    """What the campaign's card shows now, from the three figures' owners."""
    services = context.services()
    campaign = public_campaign(campaign_id)
    balance = services.ledger.balance(campaign_id)
    # A checkpoint of no entries vouches for nothing: the card says nothing of it.
    checkpoint = (tree_size(services.ledger.checkpoint(campaign_id)) or None) if balance else None
    currency = campaign.get("currency")
    raised = whole_money(campaign.get("pledged_amount"), currency, language)
    goal = whole_money(campaign.get("goal_amount"), currency, language)
    cover = campaign.get("cover") or {}
    return CardFacts(
        title=str(campaign.get("title", "")),
        raised_of_goal=_("%(pledged)s pledged of %(goal)s", pledged=raised, goal=goal),
        percent=int(campaign.get("funded_percent") or 0),
        spent=None
        if balance is None
        else _(
            "Spent so far: %(amount)s", amount=whole_money(balance.get("spent"), currency, language)
        ),
        verified=None
        if checkpoint is None
        else _("Books verified: checkpoint %(size)s", size=checkpoint),
        cover_sha256=cover.get("sha256") if isinstance(cover, dict) else None,
        language=language,
        media_type=media_type,
    )
