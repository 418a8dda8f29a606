"""A campaign link as crawlers, chats and other sites see it: the page's Open Graph metadata and
its 1200×630 card, the oEmbed answer, the framed embed, the badge, the update and report pages,
the sitemap and robots.txt; and a draft, which none of them ever shows."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from services.site import share_card
from tests.factories import bearer
from tests.integration.site.site_support import Stack

PUBLIC = "http://127.0.0.1:8000"
CRAWLER = {
    "User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

pytestmark = pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)


class Head(HTMLParser):
    """The page's <meta> and <link> tags, and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "meta" and ("property" in found or "name" in found):
            self.meta[found.get("property") or found["name"]] = found.get("content", "")
        elif tag == "link":
            self.links.append(found)
        elif tag == "a" and "href" in found:
            self.anchors.append(found["href"])


def _head(page: str) -> Head:
    parser = Head()
    parser.feed(page)
    return parser


def _local(url: str) -> str:
    assert url.startswith(PUBLIC), url
    return url[len(PUBLIC) :]


def test_a_link_pasted_in_a_chat_unfurls_into_the_card_with_verified_figures(stack: Stack) -> None:
    _, someone = stack.account("creator")
    other = stack.campaign(someone, title="Another")["id"]
    campaign_id, _, creator = stack.funded_campaign(amount=12_345)
    crawler = stack.site.test_client()
    path = f"/campaigns/{campaign_id}"

    page = crawler.get(path, headers=CRAWLER)
    head = _head(page.get_data(as_text=True))

    assert page.status_code == 200
    meta = head.meta
    assert meta["og:title"] == "Cider press" and meta["og:site_name"] == "Fundtrail"
    assert meta["og:type"] == "website" and meta["og:description"]
    assert meta["og:url"] == f"{PUBLIC}{path}"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image"] == f"{PUBLIC}{path}/card.png"
    assert meta["twitter:card"] == "summary_large_image"
    assert {"rel": "canonical", "href": f"{PUBLIC}{path}"} in head.links
    oembed = next(link for link in head.links if link.get("type") == "application/json+oembed")
    # Every share link carries its platform as ?ref= on our address; copy-link too.
    shares = {urlsplit(a).netloc: a for a in head.anchors if "ref%3D" in a}
    assert set(shares) == {"wa.me", "x.com", "www.facebook.com", "t.me", "www.linkedin.com", ""}
    assert parse_qs(urlsplit(shares["x.com"]).query)["url"] == [f"{PUBLIC}{path}?ref=x"]
    assert f'value="{PUBLIC}{path}?ref=link"' in page.get_data(as_text=True)

    card = crawler.get(_local(meta["og:image"]), headers=CRAWLER)
    assert card.status_code == 200 and card.mimetype == "image/png"
    picture = Image.open(io.BytesIO(card.data))
    assert (picture.format, picture.size, picture.mode) == ("PNG", (1200, 630), "RGB")
    assert card.headers["Cache-Control"] == "public, max-age=300" and card.last_modified
    again = crawler.get(_local(meta["og:image"]), headers={"If-None-Match": card.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # The card is named by what it shows: the cached file holds the same bytes.
    cached = list((stack.site.extensions["site.settings"].card_cache_dir).glob("*.png"))
    assert [path.read_bytes() for path in cached] == [card.data]

    answer = crawler.get(_local(oembed["href"]))
    body = answer.get_json()
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "public, max-age=300"
    assert (body["version"], body["type"], body["title"]) == ("1.0", "rich", "Cider press")
    assert f'<iframe src="{PUBLIC}{path}/embed" width="400"' in body["html"]
    narrow = crawler.get("/oembed", query_string={"url": f"{PUBLIC}{path}?ref=x", "maxwidth": 300})
    assert narrow.get_json()["width"] == 300 and 'width="300"' in narrow.get_json()["html"]
    assert "thumbnail_url" not in narrow.get_json()  # the card is wider than 300
    xml = crawler.get("/oembed", query_string={"url": f"{PUBLIC}{path}", "format": "xml"})
    assert xml.status_code == 501 and xml.mimetype == "application/problem+json"

    embed = crawler.get(f"{path}/embed")
    assert embed.status_code == 200 and "X-Frame-Options" not in embed.headers
    policy = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "script-src" not in policy
    assert "Books verified: checkpoint" in embed.get_data(as_text=True)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]

    badge = crawler.get(f"{path}/badge.svg")
    svg = ET.fromstring(badge.data)
    words = " ".join(svg.itertext())
    assert badge.mimetype == "image/svg+xml"
    assert "€123 of €5,000 · books verified" in words, words
    # In Indonesian, as an Indonesian page shares it: its words and its numbers.
    reader = stack.site.test_client()  # another visit: the language a visit picks sticks
    indonesian = reader.get(f"{path}?lang=id", headers=CRAWLER).get_data(as_text=True)
    assert f'content="{PUBLIC}{path}/card.png?lang=id"' in indonesian
    badge_id = " ".join(ET.fromstring(reader.get(f"{path}/badge.svg?lang=id").data).itertext())
    assert "€\u00a0123 dari €\u00a05.000 · pembukuan terverifikasi" in badge_id, badge_id

    posted = (
        stack.apps["updates"]
        .test_client()
        .post(
            f"/api/v1/campaigns/{campaign_id}/updates",
            json={"title": "Pressing day", "body": "The *apples* are in.", "visibility": "public"},
            headers=bearer(creator),
        )
    )
    update_path = f"{path}/updates/{posted.get_json()['id']}"
    assert update_path in crawler.get(path).get_data(as_text=True)
    update = _head(crawler.get(update_path, headers=CRAWLER).get_data(as_text=True)).meta
    assert update["og:title"] == "Pressing day · Cider press" and update["og:type"] == "article"
    assert update["og:description"].strip() == "The apples are in."
    assert update["og:url"] == f"{PUBLIC}{update_path}" and update["og:image"] == meta["og:image"]

    secret = (
        stack.apps["updates"]
        .test_client()
        .post(
            f"/api/v1/campaigns/{campaign_id}/updates",
            json={"title": "Backstage", "body": "For backers only.", "visibility": "backers"},
            headers=bearer(creator),
        )
    )
    hidden = crawler.get(f"{path}/updates/{secret.get_json()['id']}").get_data(as_text=True)
    assert "An update for backers" in hidden and "For backers only" not in hidden
    assert "Backstage" not in hidden
    # A backer arriving from the update's mail, not signed in, is asked to sign in and sent back.
    secret_path = f"{path}/updates/{secret.get_json()['id']}"
    assert f'<a href="/login?next={secret_path}">Sign in</a> to read it' in hidden
    elsewhere = crawler.get(f"/campaigns/{other}/updates/{secret.get_json()['id']}")
    assert elsewhere.status_code == 404

    # A campaign with a cover shares a JPEG card drawn over it (PNG would be 7 times larger).
    photo = io.BytesIO()
    Image.radial_gradient("L").resize((1600, 1000)).convert("RGB").save(photo, "JPEG")
    covered = stack.pledges.put(
        f"/api/v1/campaigns/{other}/cover",
        data={"image": (io.BytesIO(photo.getvalue()), "cover.jpg")},
        headers=bearer(someone),
        content_type="multipart/form-data",
    )
    assert covered.status_code in (200, 201), covered.get_json()
    cover_meta = _head(crawler.get(f"/campaigns/{other}").get_data(as_text=True)).meta
    assert cover_meta["og:image"] == f"{PUBLIC}/campaigns/{other}/card.jpg"
    assert cover_meta["og:image:type"] == "image/jpeg"
    drawn = Image.open(io.BytesIO(crawler.get(_local(cover_meta["og:image"])).data))
    assert (drawn.format, drawn.size) == ("JPEG", (1200, 630))
    assert drawn.convert("RGB").getpixel((1190, 620)) != share_card.BACKGROUND  # the cover

    report = crawler.get(f"{path}/report", headers=CRAWLER)
    assert report.status_code == 200
    assert _head(report.get_data(as_text=True)).meta["og:url"] == f"{PUBLIC}{path}/report"


def test_a_draft_is_never_shared_and_the_sitemap_lists_live_and_finished_campaigns(
    stack: Stack,
) -> None:
    _, creator = stack.account("creator")
    draft = stack.campaign(creator, launch=False, title="Secret plans")
    live = stack.campaign(creator, title="Orchard cider press")
    cancelled = stack.campaign(creator, title="Called off")
    stack.pledges.post(f"/api/v1/campaigns/{cancelled['id']}/cancel", headers=bearer(creator))
    stack.relay()
    # Even its own creator, signed in, gets no card, embed or badge of a draft.
    browser = stack.site_client(creator, role="creator")

    for suffix in ("card.png", "card.jpg", "embed", "badge.svg"):
        response = browser.get(f"/campaigns/{draft['id']}/{suffix}")
        assert response.status_code == 404, suffix
        assert response.mimetype == "text/html" and b"Secret plans" not in response.data
    refused = browser.get("/oembed", query_string={"url": f"{PUBLIC}/campaigns/{draft['id']}"})
    assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
    elsewhere = browser.get(
        "/oembed", query_string={"url": f"https://evil.example/campaigns/{live['id']}"}
    )
    assert elsewhere.status_code == 404
    bad = browser.get(
        "/oembed", query_string={"url": f"{PUBLIC}/campaigns/{live['id']}", "maxwidth": "-1"}
    )
    assert bad.status_code == 400 and json.loads(bad.data)["errors"] == {
        "maxwidth": ["Must be a whole number of pixels."]
    }

    # No entries yet: nothing is said about verified books.
    unproven = stack.site.test_client().get(f"/campaigns/{live['id']}/badge.svg")
    assert b"of \xe2\x82\xac5,000" in unproven.data and b"verified" not in unproven.data

    sitemap = stack.site.test_client().get("/sitemap.xml")
    urls = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in ET.fromstring(sitemap.data).iter(f"{SITEMAP}url")
    }
    assert sitemap.mimetype == "application/xml"
    assert f"{PUBLIC}/campaigns/{live['id']}" in urls and urls[f"{PUBLIC}/campaigns/{live['id']}"]
    assert not any(draft["id"] in str(url) or cancelled["id"] in str(url) for url in urls)

    robots = stack.site.test_client().get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in robots.splitlines()
    assert {"Disallow: /console", "Disallow: /my/", "Disallow: /login"} <= set(robots.splitlines())
