"""Words a creator wrote, in the badge's SVG, the oEmbed answer's HTML, and the share links:
escaped for where they land, so a title holding markup or quotes stays text."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import flask

from services.site.app import create_app
from services.site.badge import badge
from services.site.settings import SiteSettings
from services.site.sharing import _oembed_answer
from services.site.sharing_links import share_links, whole_money

EVIL = """<script>alert("x")</script>' onload='alert(1)" & more"""


def _app(tmp_path: Path) -> flask.Flask:
    settings = SiteSettings.load({"var_dir": tmp_path, "secret_key": b"k" * 32})
    return create_app({"TESTING": True}, settings=settings)


def test_the_badge_svg_keeps_a_hostile_title_as_text(tmp_path: Path) -> None:
    with _app(tmp_path).test_request_context():
        svg = flask.render_template(
            "badge.svg", badge=badge(EVIL, "€1,234 of €5,000 · books verified", True)
        )

    parsed = ET.fromstring(svg)  # well-formed XML: nothing broke out of its element
    title = parsed.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == f"{EVIL}: €1,234 of €5,000 · books verified"
    assert "<script" not in svg and not any("onload" in key for key in parsed.attrib)


def test_the_oembed_html_keeps_a_hostile_title_inside_its_attribute(tmp_path: Path) -> None:
    campaign = {"id": str(uuid.uuid4()), "title": EVIL, "cover": None}
    with _app(tmp_path).test_request_context():
        answer = _oembed_answer(campaign, None, None)

    tags: list[tuple[str, dict[str, str | None]]] = []
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: tags.append((tag, dict(attrs)))  # type: ignore[method-assign]
    parser.feed(json.loads(json.dumps(answer))["html"])
    assert [tag for tag, _ in tags] == ["iframe"]
    attributes = tags[0][1]
    assert attributes["title"] == EVIL and "onload" not in attributes
    assert attributes["src"] == f"http://127.0.0.1:8000/campaigns/{campaign['id']}/embed"
    assert (answer["type"], answer["width"], answer["height"]) == ("rich", 400, 260)


def test_share_links_carry_the_title_and_our_address_with_its_source(tmp_path: Path) -> None:
    url = "https://fundtrail.example/campaigns/1"
    with _app(tmp_path).test_request_context():
        links = {link.ref: link.href for link in share_links(url, EVIL)}

    x = parse_qs(urlsplit(links["x"]).query)
    assert x == {"text": [EVIL], "url": [f"{url}?ref=x"]}
    assert parse_qs(urlsplit(links["whatsapp"]).query) == {"text": [f"{EVIL} {url}?ref=whatsapp"]}
    assert links["email"].startswith("mailto:?") and links["link"] == f"{url}?ref=link"
    assert set(links) == {"whatsapp", "x", "facebook", "telegram", "linkedin", "email", "link"}


def test_card_money_is_whole_units_rounded_down_in_the_readers_numbers() -> None:
    assert whole_money(123_499, "EUR", "en") == "€1,234"
    assert whole_money(150_000_000, "IDR", "id") == "Rp\u00a0150.000.000"
    assert whole_money(None, "EUR", "en") == "—"
