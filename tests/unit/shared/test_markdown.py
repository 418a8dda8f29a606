"""Rendering: the safe Markdown preset and, behind it, the sanitiser's allow-list on its own."""

from __future__ import annotations

from markdown_it import MarkdownIt

from shared import markdown
from shared.markdown import render_markdown, sanitise


def test_the_parsers_default_would_let_a_script_through_which_is_why_it_is_not_used() -> None:
    source = "<script>alert(1)</script>"
    # MarkdownIt() with no preset is CommonMark with raw HTML on: the trap.
    assert "<script>" in MarkdownIt().render(source)
    assert render_markdown(source) == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


def test_the_sanitiser_alone_defuses_raw_html_that_got_past_a_renderer() -> None:
    raw = (
        '<p onclick="x()">hi<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">j</a><a href="data:text/html,x">d</a>'
        '<a href="/relative">r</a><img src="https://ok.example/a.png" onerror="x()">'
        '<svg><a href="https://ok.example">s</a></svg><iframe src="https://e.example"></iframe>'
        '<a href="https://ok.example" target="_blank">ok</a>'
    )
    rel = 'rel="noopener noreferrer nofollow ugc"'
    # Links lose their dangerous or relative targets; SVG goes whole, with what it held.
    assert sanitise(raw) == (
        f"<p>hi</p><a {rel}>j</a><a {rel}>d</a><a {rel}>r</a>"
        f'<a href="https://ok.example" {rel}>ok</a>'
    )


def test_a_remote_image_becomes_a_link_so_no_reader_fetches_from_a_third_party() -> None:
    # A tracking pixel would tell its owner who opened a mail or a feed entry, and from where.
    html = render_markdown("Look ![the prototype](https://tracker.example/p.gif) here")
    rel = 'rel="noopener noreferrer nofollow ugc"'
    assert "<img" not in html
    assert html == (
        f'<p>Look <a href="https://tracker.example/p.gif" {rel}>the prototype</a> here</p>\n'
    )


def test_an_image_without_words_is_a_link_named_by_its_address() -> None:
    html = render_markdown("![](https://tracker.example/p.gif)")
    assert "<img" not in html
    assert ">https://tracker.example/p.gif</a>" in html


def test_the_sanitiser_alone_drops_an_image_that_got_past_a_renderer() -> None:
    assert sanitise('<p>a<img src="https://tracker.example/p.gif" alt="x">b</p>') == "<p>ab</p>"


def test_only_the_creators_uploads_at_the_sites_address_show_as_pictures() -> None:
    upload = (
        "http://127.0.0.1:8000/campaigns/1b4e28ba-2fa1-11d2-883f-0016d3cca427/images/"
        + "ab" * 32
        + "/1200.jpg"
    )
    markdown.allow_images_from("http://127.0.0.1:8000/")

    shown = render_markdown(f"![The press in the barn]({upload})")
    remote = render_markdown("![pixel](https://tracker.example/p.gif)")
    elsewhere = render_markdown(f"![copy]({upload.replace('127.0.0.1:8000', 'evil.example')})")
    smuggled = sanitise(f'<img src="https://tracker.example/p.gif" alt="x"><img src="{upload}">')

    assert shown == f'<p><img src="{upload}" alt="The press in the barn" loading="lazy"></p>\n'
    assert "<img" not in remote and 'href="https://tracker.example/p.gif"' in remote
    assert "<img" not in elsewhere and ">copy</a>" in elsewhere
    assert smuggled == f'<img src="{upload}">'
