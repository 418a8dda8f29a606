"""The share card: its size and format, the figures it lays out, what names it in the cache,
a cover drawn under the text (and a broken one ignored), and a card drawn once however many
ask for it at the same moment."""

from __future__ import annotations

import dataclasses
import io
import threading
from pathlib import Path

import pytest
from PIL import Image

from services.site.card_cache import CardBusy, CardCache
from services.site.share_card import CardFacts, draw, font, layout, wrap

FACTS = CardFacts(
    title="Kopi Susu Gula Aren: sebuah album dari Yogyakarta",
    raised_of_goal="€1,234 pledged of €5,000",
    percent=24,
    spent="Spent so far: €300",
    verified="Books verified: checkpoint 12",
    cover_sha256=None,
    language="en",
)


def _picture(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def _jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def test_a_card_is_a_1200_by_630_png_or_jpeg() -> None:
    png = _picture(draw(FACTS))
    jpeg = _picture(draw(dataclasses.replace(FACTS, media_type="image/jpeg")))

    assert (png.format, png.size, png.mode) == ("PNG", (1200, 630), "RGB")
    assert (jpeg.format, jpeg.size, jpeg.mode) == ("JPEG", (1200, 630), "RGB")


def test_the_card_shows_the_title_the_figures_and_the_checkpoint() -> None:
    lines = [(line.role, line.text) for line in layout(FACTS)]

    assert lines == [
        ("brand", "Fundtrail"),
        ("title", "Kopi Susu Gula Aren: sebuah"),
        ("title", "album dari Yogyakarta"),
        ("figure", "€1,234 pledged of €5,000"),
        ("detail", "Spent so far: €300"),
        ("detail", "Books verified: checkpoint 12"),
    ]


def test_without_a_checkpoint_or_ledger_figures_the_card_says_nothing_of_them() -> None:
    texts = [line.text for line in layout(dataclasses.replace(FACTS, verified=None, spent=None))]

    assert not any("verified" in text or "Spent" in text for text in texts)


def test_other_figures_draw_another_picture_under_another_name() -> None:
    more = dataclasses.replace(FACTS, raised_of_goal="€4,321 pledged of €5,000", percent=86)

    assert draw(more) != draw(FACTS)
    assert draw(FACTS) == draw(FACTS)  # the same facts, the same bytes: safe to cache
    names = {dataclasses.replace(FACTS, **change).key() for change in (
        {}, {"title": "Other"}, {"spent": "Spent so far: €301"},
        {"verified": "Books verified: checkpoint 13"}, {"language": "id"},
        {"cover_sha256": "ab" * 32}, {"media_type": "image/jpeg"},
    )}  # fmt: skip
    assert len(names) == 7


def test_a_long_title_is_cut_to_two_lines_with_an_ellipsis_and_a_long_word_is_broken() -> None:
    title = wrap("Pertunjukan " * 20, "title", 1072, 2)
    word = wrap("A" * 80, "title", 1072, 2)

    assert len(title) == 2 and title[-1].endswith("…")
    assert len(word) == 2 and word[-1].endswith("…") and word[0].startswith("AAAA")


def test_a_cover_is_drawn_under_the_text_and_a_broken_one_is_left_out() -> None:
    plain = _picture(draw(FACTS))
    covered = _picture(draw(FACTS, cover=_jpeg((200, 40, 40))))
    broken = draw(FACTS, cover=b"\xff\xd8 not a picture")

    corner = (1190, 620)  # no text or bar there: the background alone
    assert covered.getpixel(corner) != plain.getpixel(corner)
    red, green, _ = covered.getpixel(corner)  # type: ignore[misc]
    assert red > green  # the cover, darkened so white text reads on it
    assert broken == draw(FACTS)


def test_a_card_asked_for_by_many_at_once_is_drawn_once(tmp_path: Path) -> None:
    cards, drawn, start = CardCache(tmp_path, max_renders=2), [], threading.Barrier(8)

    def slow_draw() -> bytes:
        drawn.append(1)
        return b"card"

    def ask() -> None:
        start.wait()
        assert cards.card("abc", "png", slow_draw).data == b"card"

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert drawn == [1]
    assert (tmp_path / "abc.png").read_bytes() == b"card"
    assert CardCache(tmp_path, 1).card("abc", "png", lambda: b"other").data == b"card"


def test_past_the_bound_of_drawings_a_request_is_told_to_come_back(tmp_path: Path) -> None:
    cards, drawing, release = (
        CardCache(tmp_path, max_renders=1, wait=0.05),
        threading.Event(),
        threading.Event(),
    )

    def slow_draw() -> bytes:
        drawing.set()
        release.wait(5)
        return b"first"

    first = threading.Thread(target=lambda: cards.card("one", "png", slow_draw))
    first.start()
    drawing.wait(5)
    with pytest.raises(CardBusy):
        cards.card("two", "png", lambda: b"second")
    release.set()
    first.join()

    assert cards.card("two", "png", lambda: b"second").data == b"second"


def test_a_long_figure_shrinks_to_fit_the_card() -> None:
    rupiah = dataclasses.replace(
        FACTS, raised_of_goal="Rp 18.750.000.000 terkumpul dari Rp 25.000.000.000"
    )

    figure = next(line for line in layout(rupiah) if line.role.startswith("figure"))
    assert figure.role != "figure" and figure.text == rupiah.raised_of_goal
    assert font(figure.role).getlength(figure.text) <= 1200 - 2 * 64
