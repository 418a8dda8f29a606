"""Rendering: the safe Markdown preset and, behind it, the sanitiser's allow-list on its own."""

from __future__ import annotations

from markdown_it import MarkdownIt

from services.updates.rendering import render_markdown, sanitise


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
        '<img src="https://ok.example/a.png">'
        f'<a href="https://ok.example" {rel}>ok</a>'
    )
