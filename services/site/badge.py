"""A campaign's README badge, shaped like shields.io's: a grey label and a coloured message.

Pure: the text is measured with the card's font so the boxes fit it; `badge.svg` (a template,
so Jinja escapes every word for XML) draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from PIL import ImageFont

from services.site.share_card import FONT_DIRS

#: Horizontal padding each side of a text, in px, as shields.io's flat style.
PADDING = 6
HEIGHT = 20
FONT_SIZE = 11


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    #: The campaign's title, for the SVG's <title> (what screen readers and tooltips say).
    title: str
    verified: bool

    @property
    def label_width(self) -> int:
        return text_width(self.label) + 2 * PADDING

    @property
    def message_width(self) -> int:
        return text_width(self.message) + 2 * PADDING

    @property
    def width(self) -> int:
        return self.label_width + self.message_width

    @property
    def colour(self) -> str:
        """Green once a signed checkpoint vouches for the books; blue before."""
        return "#2e8b57" if self.verified else "#007ec6"


def badge(title: str, message: str, verified: bool) -> Badge:
    """The badge saying `message` ("€1,234 of €5,000 · books verified", written by the caller
    in the reader's language), green when `verified`."""
    return Badge(label="Fundtrail", message=message, title=title, verified=verified)


@cache
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").exists():
            return ImageFont.truetype(str(folder / "DejaVuSans.ttf"), FONT_SIZE)
    return ImageFont.load_default(FONT_SIZE)


def text_width(text: str) -> int:
    return int(_font().getlength(text)) + 1
