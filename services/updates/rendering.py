"""Update bodies from Markdown to HTML that is safe to show anywhere: the API, the feed, e-mails.

Two locks, either enough on its own for the common attacks: markdown-it-py's "js-default"
preset (raw HTML off: `MarkdownIt()` with no preset is CommonMark with raw HTML on and passes
`<script>` straight through; its link check also refuses `javascript:`, `vbscript:`, `file:`
and most `data:` links), then nh3 (Ammonia) against an
explicit allow-list of tags, attributes and URL schemes, so anything the renderer lets by (or a
future preset change) is still dropped. The Markdown source is stored as written; the HTML is
made again on every read, so a tighter allow-list applies to old updates too.

No image is ever shown inline: a remote image in a mail or a feed entry is fetched by the
reader's client, which tells its owner who read the update, when and from where (a tracking
pixel). Images become links named by their alt text, and the allow-list has no `img` either.
"""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

#: What Markdown produces, and nothing else: no forms, frames, SVG/MathML, styles or scripts.
ALLOWED_TAGS = frozenset(
    {
        *("p", "br", "hr", "blockquote", "pre", "code"),
        *("h1", "h2", "h3", "h4", "h5", "h6"),
        *("strong", "em", "s", "del"),
        *("ul", "ol", "li"),
        "a",
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "ol": {"start"},
}
#: No `data:` (HTML or SVG documents in disguise), no `javascript:`, no relative URLs (they mean
#: nothing in an e-mail or a feed reader).
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: Links out of a creator's text: no window.opener, no referrer, no ranking for spam.
LINK_REL = "noopener noreferrer nofollow ugc"


def _image_as_link(
    renderer: RendererHTML, tokens: list[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    """An image as a link to it, named by its alt text (or, with none, its address): the
    reader chooses whether to fetch it. The address passed the parser's link check already."""
    token = tokens[index]
    source = str(token.attrGet("src") or "")
    words = renderer.renderInlineAsText(token.children or [], options, env) or source
    return f'<a href="{escapeHtml(source)}">{escapeHtml(words)}</a>'


_markdown = MarkdownIt("js-default")
_markdown.add_render_rule("image", _image_as_link)


def sanitise(html: str) -> str:
    """`html` with everything off the allow-list removed (the text of unknown tags is kept)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )


def markdown_to_html(source: str) -> str:
    """Markdown `source` as sanitised HTML: the one rendering every update's body goes through."""
    return sanitise(_markdown.render(source))


@functools.lru_cache(maxsize=1024)
def render_markdown(source: str) -> str:
    """`markdown_to_html`, cached: a list or a feed renders the same stored bodies again.
    Previews call `markdown_to_html` directly, so text nobody published never fills the cache."""
    return markdown_to_html(source)
