"""The picture a shared campaign link unfurls into: 1200×630, drawn with Pillow from the
campaign's figures (and its cover, when it has one). Pure: no Flask, no services; its words
come written, in the reader's language, in `CardFacts`.

`layout` decides what text goes where (tested without reading pixels); `draw` paints it.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

WIDTH, HEIGHT = 1200, 630
#: Bumped whenever the drawing changes, so cached cards of the old look are not served.
DESIGN = 2
#: Where Debian's fonts-dejavu-core puts DejaVu Sans (Latin, with every letter Indonesian uses).
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
#: A cover is our own re-encoded 1200 px JPEG; anything far larger is not one, and is not drawn.
COVER_MAX_PIXELS = 1200 * 1200 * 4
MARGIN = 64
_TEXT_WIDTH = WIDTH - 2 * MARGIN
#: The figure's line, in the largest of these sizes it fits in.
FIGURE_ROLES = ("figure", "figure-small", "figure-smaller")
BACKGROUND = (18, 52, 59)
_ACCENT = (94, 201, 160)
_TRACK = (255, 255, 255, 70)
_WHITE = (255, 255, 255)
_MUTED = (214, 228, 226)


@dataclass(frozen=True)
class CardFacts:
    """Everything a card shows, already written for people; its hash names the card."""

    title: str
    #: "€1,234 pledged of €5,000"
    raised_of_goal: str
    #: Whole percent of the goal, for the bar.
    percent: int
    #: "Spent so far: €300", or None until the ledger has heard of the campaign.
    spent: str | None
    #: "Books verified: checkpoint 12" (the tree size of the ledger's latest signed
    #: checkpoint), or None before the first.
    verified: str | None
    cover_sha256: str | None
    language: str
    #: "image/png" or "image/jpeg".
    media_type: str = "image/png"

    def key(self) -> str:
        """What names the card in the cache and in its ETag: a change of any figure, word,
        cover, language or design is a new card."""
        canonical = json.dumps({**asdict(self), "design": DESIGN}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Line:
    """One line of text on the card: its role (title, figure, detail, brand), words, place."""

    role: str
    text: str
    x: int
    y: int


@cache
def font(role: str) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    bold = role in ("title", "figure", "figure-small", "figure-smaller", "brand")
    size = {
        "title": 64,
        "figure": 44,
        "figure-small": 38,
        "figure-smaller": 32,
        "detail": 34,
        "brand": 30,
    }[role]
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    # Pillow's own font still draws every Latin letter; CI installs DejaVu (.ci/run).
    return ImageFont.load_default(size)


def _width(text: str, role: str) -> float:
    return font(role).getlength(text)


def wrap(text: str, role: str, max_width: int, max_lines: int) -> list[str]:
    """`text` in at most `max_lines` lines no wider than `max_width` px, the last one cut
    with "…" if the text does not fit. A word longer than a line is cut too."""
    lines: list[str] = []
    words = text.split()
    current = ""
    while words:
        word = words.pop(0)
        candidate = f"{current} {word}".strip()
        if _width(candidate, role) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
            words.insert(0, word)
            current = ""
        else:  # one word wider than the line: keep what fits of it
            cut = word
            while cut and _width(cut, role) > max_width:
                cut = cut[:-1]
            lines.append(cut)
            if cut != word:
                words.insert(0, word[len(cut) :])
        if len(lines) == max_lines:
            break
    if current and len(lines) < max_lines:
        lines.append(current)
        current = ""
    if (words or current) and lines:
        last = lines[-1]
        while last and _width(f"{last}…", role) > max_width:
            last = last[:-1].rstrip()
        lines[-1] = f"{last}…"
    return lines


def layout(facts: CardFacts) -> list[Line]:
    """The card's text, top to bottom: brand, title (two lines at most), raised against goal,
    spent so far, and the checkpoint the books were verified at when there is one."""
    lines = [Line("brand", "Fundtrail", MARGIN, 48)]
    y = 120
    for text in wrap(facts.title, "title", _TEXT_WIDTH, 2):
        lines.append(Line("title", text, MARGIN, y))
        y += 78
    y = max(y + 24, 300)
    # Rupiah run to many digits, and Indonesian words are longer: the figure's line shrinks to
    # fit before it is ever cut.
    fits = [r for r in FIGURE_ROLES if _width(facts.raised_of_goal, r) <= _TEXT_WIDTH]
    role = fits[0] if fits else FIGURE_ROLES[-1]
    figure = wrap(facts.raised_of_goal, role, _TEXT_WIDTH, 1)[0]
    lines.append(Line(role, figure, MARGIN, y))
    # The progress bar sits between the figure and the details (see `draw`).
    y += 112
    if facts.spent is not None:
        lines.append(Line("detail", facts.spent, MARGIN, y))
        y += 50
    if facts.verified is not None:
        lines.append(Line("detail", facts.verified, MARGIN, y))
    return lines


def bar_top(lines: list[Line]) -> int:
    figure = next(line for line in lines if line.role in FIGURE_ROLES)
    return figure.y + 64


def draw(facts: CardFacts, cover: bytes | None = None) -> bytes:
    """The card as PNG or JPEG bytes (`facts.media_type`)."""
    card = _background(cover).convert("RGBA")
    overlay = Image.new("RGBA", card.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(overlay)
    lines = layout(facts)
    top = bar_top(lines)
    pen.rounded_rectangle((MARGIN, top, WIDTH - MARGIN, top + 18), radius=9, fill=_TRACK)
    filled = MARGIN + _TEXT_WIDTH * min(max(facts.percent, 0), 100) // 100
    if filled > MARGIN:
        pen.rounded_rectangle((MARGIN, top, filled, top + 18), radius=9, fill=_ACCENT)
    for line in lines:
        colour = _ACCENT if line.role == "brand" else _MUTED if line.role == "detail" else _WHITE
        pen.text((line.x, line.y), line.text, font=font(line.role), fill=colour)
    card = Image.alpha_composite(card, overlay).convert("RGB")
    out = io.BytesIO()
    if facts.media_type == "image/jpeg":
        card.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    else:
        card.save(out, "PNG", optimize=True)
    return out.getvalue()


def _background(cover: bytes | None) -> Image.Image:
    """The cover cropped to the card and darkened so white text reads on any photo; a plain
    colour without one (or when the bytes are no picture we can draw)."""
    plain = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    if not cover:
        return plain
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(cover))
            if picture.width * picture.height > COVER_MAX_PIXELS:
                return plain
            picture.load()
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        return plain
    fitted = ImageOps.fit(picture.convert("RGB"), (WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    return Image.blend(fitted, Image.new("RGB", fitted.size, (0, 0, 0)), 0.55)
