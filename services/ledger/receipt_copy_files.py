"""A receipt's public copy made from the creator's upload: rebuilt from pixels, never passed on.

What leaves here holds nothing but what a reader sees. A picture is decoded and encoded again
(no EXIF, GPS, XMP, comment or trailing bytes: `shared.images`). A PDF is drawn page by page by
poppler's `pdftoppm` in a child process and the page images put into a new PDF: a black box
drawn over text in a PDF editor often leaves the text underneath, selectable and searchable, and
a PDF also carries its author, its editing history, attachments and scripts; none of that
survives being drawn. The first page (or the picture) also becomes the thumbnail.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
import warnings
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from services.ledger.domain.receipt_copies import MAX_COPY_PAGES, CopyFile
from services.ledger.receipt_files import (
    JPEG,
    PDF,
    PNG,
    ReceiptRejected,
    ReceiptTooLarge,
    accept_receipt,
)
from shared.images import ImageRejected, clean_pixels, opened_within

FIELD = "copy"

#: Each page is drawn with its longer side this many pixels: an A4 page at about 190 dpi, enough
#: to read a receipt's small print, and a bound on the pixels whatever size a page claims.
PAGE_SIDE = 2000
#: The thumbnail's box, in pixels; its own aspect ratio is kept inside it.
THUMBNAIL_BOX = (320, 480)
#: Seconds poppler may take to draw a copy's pages before the upload is refused.
DRAW_TIMEOUT = 30.0
JPEG_QUALITY = 85


def make_copy(content: bytes, max_bytes: int) -> CopyFile:
    """The public copy of `content` (a PDF, PNG or JPEG file), or ReceiptTooLarge /
    ReceiptRejected naming the field `copy` and what is wrong."""
    try:
        # Bytes after the file's end are harmless here: the copy is redrawn, they are dropped.
        accepted = accept_receipt(content, max_bytes, trailing_data_ok=True)
    except ReceiptTooLarge as error:
        raise ReceiptTooLarge(_reworded(error.message), FIELD) from None
    except ReceiptRejected as error:
        raise ReceiptRejected(_reworded(error.message), FIELD) from None
    if accepted.media_type == PDF:
        pages = _drawn_pages(accepted.content)
        return CopyFile(_pdf_of(pages), PDF, _thumbnail(pages[0]), len(pages))
    try:
        pixels = clean_pixels(accepted.content)
    except ImageRejected as error:
        raise ReceiptRejected(f"the copy {error.message}", FIELD) from None
    pixels = _within(pixels, PAGE_SIDE)
    out = io.BytesIO()
    if accepted.media_type == PNG:
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return CopyFile(out.getvalue(), accepted.media_type, _thumbnail(pixels), 1)


def _reworded(message: str) -> str:
    # The receipt checks speak of "receipt": here the file is the copy of one.
    return "the copy" + message[len("receipt") :] if message.startswith("receipt") else message


def _page_count(content: bytes) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a repaired file reads the same (receipt_files.py)
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            reader.decrypt("")
        return len(reader.pages)


def _drawn_pages(content: bytes) -> list[Image.Image]:
    count = _page_count(content)
    if count > MAX_COPY_PAGES:
        raise ReceiptRejected(
            f"the copy has {count} pages; a receipt's public copy may have at most "
            f"{MAX_COPY_PAGES}",
            FIELD,
        )
    with tempfile.TemporaryDirectory(prefix="receipt-copy-") as folder:
        source = Path(folder) / "upload.pdf"
        source.write_bytes(content)
        command = ["pdftoppm", "-q", "-png", "-scale-to", str(PAGE_SIDE), str(source)]
        try:
            # A child process: a hostile PDF that crashes or hangs poppler takes only it down.
            subprocess.run(
                [*command, str(Path(folder) / "page")],
                check=True,
                timeout=DRAW_TIMEOUT,
                capture_output=True,
            )
        except subprocess.TimeoutExpired:
            raise ReceiptRejected(
                "the copy takes too long to draw; save it again as a plain PDF", FIELD
            ) from None
        except subprocess.CalledProcessError:
            raise ReceiptRejected("the copy's pages could not be drawn", FIELD) from None
        files = sorted(Path(folder).glob("page-*.png"), key=lambda path: int(path.stem[5:]))
        if not files:
            raise ReceiptRejected("the copy's pages could not be drawn", FIELD)
        return [_page(path.read_bytes()) for path in files]


def _page(png: bytes) -> Image.Image:
    # Drawn by poppler within PAGE_SIDE, but still read within a bound: it is a file on disk.
    with opened_within(png, ["PNG"], PAGE_SIDE * PAGE_SIDE) as image:
        image.load()
        return Image.frombytes("RGB", image.size, image.convert("RGB").tobytes())


def _within(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _pdf_of(pages: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    first, *rest = pages
    # Pillow's PDF holds the page images and a creation date: no text, no author, no title.
    first.save(
        out, "PDF", save_all=True, append_images=rest, resolution=190.0, quality=JPEG_QUALITY
    )
    return out.getvalue()


def _thumbnail(page: Image.Image) -> bytes:
    small = page.copy()
    small.thumbnail(THUMBNAIL_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    Image.frombytes("RGB", small.size, small.tobytes()).save(out, "PNG", optimize=True)
    return out.getvalue()


__all__ = ["FIELD", "JPEG", "PDF", "PNG", "make_copy"]
