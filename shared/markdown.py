"""Creators' Markdown to HTML that is safe to show anywhere: update bodies (the API, the feed,
e-mails) and campaign stories. One renderer and one allow-list for both, so neither can drift.

Two locks, either enough on its own for the common attacks: markdown-it-py's "js-default"
preset (raw HTML off: `MarkdownIt()` with no preset is CommonMark with raw HTML on and passes
`<script>` straight through; its link check also refuses `javascript:`, `vbscript:`, `file:`
and most `data:` links), then nh3 (Ammonia) against an
explicit allow-list of tags, attributes and URL schemes, so anything the renderer lets by (or a
future preset change) is still dropped. The Markdown source is stored as written; the HTML is
made again on every read, so a tighter allow-list applies to old updates too.

No remote image is ever shown inline: one in a mail or a feed entry is fetched by the reader's
client, which tells its owner who read the update, when and from where (a tracking pixel).
Images become links named by their alt text, except the creator's own uploads (`api/images.py`)
at the site's address, which Fundtrail serves itself: only those become `<img>`, and the
allow-list lets an `img` through only with such an address.
"""

from __future__ import annotations

import functools
import re

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
        "img",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "ol": {"start"},
    "img": {"src", "alt", "loading"},
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


#: An uploaded picture's address on the site, as `api/images.py` gives it; nothing matches
#: until `allow_images_from` names the site.
_uploads = re.compile(r"(?!)")


def allow_images_from(site_url: str) -> None:
    """Show as pictures the uploads the site at `site_url` serves (called at start-up)."""
    global _uploads
    _uploads = re.compile(
        re.escape(site_url.rstrip("/"))
        + r"/campaigns/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        + r"/images/[0-9a-f]{64}/(?:320|640|1200)\.jpg"
    )
    render_markdown.cache_clear()


def _image(
    renderer: RendererHTML, tokens: list[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    """An upload as a picture, described by its alt text; any other image as a link."""
    token = tokens[index]
    source = str(token.attrGet("src") or "")
    if not _uploads.fullmatch(source):
        return _image_as_link(renderer, tokens, index, options, env)
    words = renderer.renderInlineAsText(token.children or [], options, env)
    return f'<img src="{escapeHtml(source)}" alt="{escapeHtml(words)}" loading="lazy">'


def _only_uploads(tag: str, attribute: str, value: str) -> str | None:
    """The allow-list's second lock: an `img` keeps only an upload's address."""
    if tag == "img" and attribute == "src" and not _uploads.fullmatch(value):
        return None
    return value


_markdown = MarkdownIt("js-default")
_markdown.add_render_rule("image", _image)


#: An `img` the filter took the address from (nh3 keeps the tag): nothing left to show.
_EMPTY_IMG = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def sanitise(html: str) -> str:
    """`html` with everything off the allow-list removed (the text of unknown tags is kept)."""
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_only_uploads,
    )
    return _EMPTY_IMG.sub("", cleaned)


def markdown_to_html(source: str) -> str:
    """Markdown `source` as sanitised HTML: the one rendering every update's body and every
    campaign's story goes through."""
    return sanitise(_markdown.render(source))


@functools.lru_cache(maxsize=1024)
def render_markdown(source: str) -> str:
    """`markdown_to_html`, cached: a list or a feed renders the same stored bodies again.
    Previews call `markdown_to_html` directly, so text nobody published never fills the cache."""
    return markdown_to_html(source)
