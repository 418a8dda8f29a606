"""Hostile Markdown comes out inert: in the API's body_html, its events, and the Atom feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.integration.updates.html_checks import active_content
from tests.integration.updates.updates_support import (
    World,
    published,
)

ATOM = "{http://www.w3.org/2005/Atom}"

ATTACKS = {
    "script tag": "<script>alert(1)</script>",
    "onerror": '<img src=x onerror="alert(1)">',
    "markdown image onerror": '![x](https://cdn.example/x.png "t\\" onerror=\\"alert(1)")',
    "javascript link": "[click](javascript:alert(1))",
    "javascript link, upper case": "[click](JAVASCRIPT:alert(1))",
    "javascript autolink": "<javascript:alert(1)>",
    "javascript in angle brackets": "[click](<javascript:alert(1)>)",
    "raw html link": '<a href="javascript:alert(1)">click</a>',
    "data link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data image": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "svg image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "inline svg": "<svg onload=alert(1)><circle r=1 /></svg>",
    "entity-encoded scheme": (
        "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1))"
    ),
    "hex entity scheme": "[x](&#x6A;avascript&#x3A;alert(1))",
    "escaped tag entities": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "nested links": "[[inner](https://ok.example)](javascript:alert(1))",
    "nested image link": "[![x](javascript:alert(1))](javascript:alert(2))",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style": "<style>body{background:url(javascript:alert(1))}</style>",
    "tab in scheme": "[x](java\tscript:alert(1))",
    "vbscript": "[x](vbscript:msgbox(1))",
    "relative link": "[x](/api/v1/secret)",
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_hostile_markdown_is_inert_in_the_api_events_and_feed(world: World, name: str) -> None:
    markdown = f"Before.\n\n{ATTACKS[name]}\n\nAfter."

    response = world.post(title="Hostile", body=markdown)

    assert response.status_code == 201, response.json
    # The source is kept as written; only the rendering is defused.
    assert response.json["body"] == markdown
    html = response.json["body_html"]
    assert active_content(html) == [], html
    assert "<p>Before.</p>" in html and "<p>After.</p>" in html
    event = published(world.app, "update.published")[-1]
    assert event.payload["body_html"] == html

    feed = world.get(f"/campaigns/{world.campaign_id}/updates.atom").get_data()
    entries = ET.fromstring(feed).findall(f"{ATOM}entry")
    [content] = [
        e.find(f"{ATOM}content").text  # type: ignore[union-attr]
        for e in entries
        if e.find(f"{ATOM}title").text == "Hostile"  # type: ignore[union-attr]
    ]
    assert content == html
    assert active_content(content or "") == []


def test_safe_markdown_keeps_its_links_and_formatting(world: World) -> None:
    body = "**Bold**, [a link](https://example.com/a?b=1) and <mailto:team@example.com>."
    html = world.post(body=body).json["body_html"]
    assert html == (
        '<p><strong>Bold</strong>, <a href="https://example.com/a?b=1" '
        'rel="noopener noreferrer nofollow ugc">a link</a> and <a href="mailto:team@example.com" '
        'rel="noopener noreferrer nofollow ugc">mailto:team@example.com</a>.</p>\n'
    )
