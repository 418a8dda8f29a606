"""Receipt files: accepted by what their bytes are (PDF, PNG or JPEG), never by their name.

A receipt is checked before anything is written: its size, its magic bytes, and that it really
is the type those bytes claim. A PDF must parse (pypdf) with at least one page; an image must
decode in full (Pillow, ``load()``) within :data:`MAX_PIXELS`. Nothing may follow the file's
own end (a PNG's ``IEND`` chunk, a JPEG's ``EOI`` marker, a PDF's final ``%%EOF`` save for
white space): bytes smuggled there would be signed into the public log by the receipt's hash
without being part of the receipt anyone sees. The SHA-256 of the accepted bytes names the
stored file and goes into the expense's entry, so the public log commits to the exact file.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from services.ledger.domain.errors import InvalidValue
from shared.images import TooManyPixels, error_summary, opened_within

FIELD = "receipt"

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
#: Media type → file extension, for the stored file's download name.
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
_NAMES = {PDF: "a PDF", PNG: "a PNG image", JPEG: "a JPEG image"}

#: The most pixels (width × height) a receipt image may have. 50 megapixels takes an A4 page
#: scanned at 600 dpi (35 MP) and the full-resolution photo of a 50 MP phone camera; decoded,
#: it is at most 200 MB (4 bytes a pixel), and a receipt never needs more. The bound is checked
#: on the header, before any pixel is decoded, so a small file cannot make the ledger inflate
#: a huge bitmap.
MAX_PIXELS = 50_000_000

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
_PDF_EOF = b"%%EOF"
#: What ISO 32000 calls white space: the only bytes allowed after a PDF's final %%EOF.
_PDF_WHITESPACE = b"\x00\t\n\x0c\r "

#: What else a file may be, to say so when it is refused (first match wins).
_OTHER_KINDS: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (
        re.compile(rb"\s*<(!doctype html|html|head|body|script|svg|\?xml)", re.I),
        "an HTML/XML document",
    ),
    (re.compile(rb"\x7fELF"), "an ELF executable"),
    (re.compile(rb"MZ"), "a Windows executable"),
    (re.compile(rb"#!"), "a script"),
    (re.compile(rb"PK\x03\x04"), "a ZIP archive"),
    (re.compile(rb"GIF8[79]a"), "a GIF image"),
)


class ReceiptRejected(InvalidValue):
    """The upload is not a well-formed PDF, PNG or JPEG file."""


class ReceiptTooLarge(InvalidValue):
    """The upload is bigger than the ledger accepts (answered with 413, not 422)."""


@dataclass(frozen=True)
class Receipt:
    """An accepted receipt file."""

    #: The file's bytes, exactly as uploaded.
    content: bytes
    #: What its bytes are: `application/pdf`, `image/png` or `image/jpeg`.
    media_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def accept_receipt(
    content: bytes, max_bytes: int, max_pixels: int = MAX_PIXELS, *, trailing_data_ok: bool = False
) -> Receipt:
    """`content` as a Receipt, or ReceiptTooLarge / ReceiptRejected saying what is wrong.

    `trailing_data_ok` lets bytes follow the file's end, for a file that is redrawn from its
    pixels rather than kept (a receipt's public copy: phones append data to their photos)."""
    if len(content) > max_bytes:
        raise ReceiptTooLarge(
            f"receipt is {len(content)} bytes; at most {max_bytes} are accepted", FIELD
        )
    if not content:
        raise ReceiptRejected("receipt is an empty file", FIELD)
    media_type = sniff(content)
    if media_type is None:
        raise ReceiptRejected(
            f"receipt is {_describe(content)}, not a PDF, PNG or JPEG file", FIELD
        )
    if media_type == PDF:
        problem = _check_pdf(content, trailing_data_ok)
    else:
        problem = _check_image(content, media_type, max_pixels, trailing_data_ok)
    if problem:
        raise ReceiptRejected(f"receipt starts like {_NAMES[media_type]} but {problem}", FIELD)
    return Receipt(content, media_type)


def sniff(content: bytes) -> str | None:
    """The media type the leading bytes announce, or None when they are none of ours."""
    if _PDF_HEADER.match(content):
        return PDF
    if content.startswith(_PNG_SIGNATURE):
        return PNG
    if content.startswith(_JPEG_SIGNATURE):
        return JPEG
    return None


def _describe(content: bytes) -> str:
    head = content[:512]
    for pattern, kind in _OTHER_KINDS:
        if pattern.match(head):
            return kind
    return "a file of unknown type"


# --- PDF ---------------------------------------------------------------------------------------


def _check_pdf(content: bytes, trailing_data_ok: bool = False) -> str | None:
    if _PDF_EOF not in content:
        return "has no %%EOF marker at its end (truncated or not a PDF)"
    if not trailing_data_ok and not content.rstrip(_PDF_WHITESPACE).endswith(_PDF_EOF):
        return "has data after its final %%EOF marker"
    try:
        with warnings.catch_warnings():
            # pypdf warns (and logs) as it repairs a sloppy but readable file; that is no
            # reason to refuse it, and under `-W error` a warning must not become a 500.
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(content))
            if reader.is_encrypted:
                # An empty user password opens many "protected" PDFs; any other cannot be read.
                reader.decrypt("")
            pages = len(reader.pages)
    except FileNotDecryptedError:
        return "is password-protected, so nobody could read it"
    except Exception as error:  # noqa: BLE001
        # A parser of untrusted bytes may fail in any way (pypdf's own errors, but also
        # KeyError, RecursionError, …): whichever it is, the file is not a readable PDF.
        return f"does not parse as a PDF ({error_summary(error)})"
    if pages < 1:
        return "has no pages"
    return None


# --- images ------------------------------------------------------------------------------------


def _check_image(
    content: bytes, media_type: str, max_pixels: int, trailing_data_ok: bool = False
) -> str | None:
    expected = "PNG" if media_type == PNG else "JPEG"
    end = _png_end(content) if media_type == PNG else _jpeg_end(content)
    if isinstance(end, str):
        return end
    if end != len(content) and not trailing_data_ok:
        marker = "IEND chunk" if media_type == PNG else "EOI marker"
        return f"has {len(content) - end} bytes of data after its {marker}"
    try:
        with opened_within(content, [expected], max_pixels) as image:
            image.load()
    except TooManyPixels as error:
        return (
            f"is {error.width} × {error.height} pixels, more pixels than a receipt needs "
            f"(at most {max_pixels} are accepted; a decompression bomb?)"
        )
    except UnidentifiedImageError:
        return f"does not parse as a {expected} image"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "claims more pixels than a receipt needs (a decompression bomb?)"
    except Exception as error:  # noqa: BLE001
        # Decoders of untrusted bytes raise OSError, SyntaxError, ValueError, EOFError and
        # more; whichever it is, the image does not decode.
        return f"is damaged ({error_summary(error)})"
    return None


def _png_end(content: bytes) -> int | str:
    """Where the PNG's IEND chunk ends, walking chunk by chunk (each CRC checked); or what is
    wrong with the chunk structure."""
    position = len(_PNG_SIGNATURE)
    while position + 12 <= len(content):
        length = int.from_bytes(content[position : position + 4], "big")
        kind = content[position + 4 : position + 8]
        data_end = position + 8 + length
        if length > 2**31 - 1 or data_end + 4 > len(content):
            return "is cut short (a chunk runs past the end of the file)"
        crc = int.from_bytes(content[data_end : data_end + 4], "big")
        if zlib.crc32(content[position + 4 : data_end]) != crc:
            return f"is damaged (the CRC of a {kind.decode('latin-1')!r} chunk does not match)"
        position = data_end + 4
        if kind == b"IEND":
            return position
    return "is cut short (it has no IEND chunk)"


#: JPEG markers that stand alone, with no length field: TEM and RST0–RST7.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _jpeg_end(content: bytes) -> int | str:
    """Where the JPEG's EOI marker ends, walking its segments and entropy-coded scans; or what
    is wrong with the marker structure."""
    position = 2  # past SOI
    size = len(content)
    while position < size:
        if content[position] != 0xFF:
            return "is damaged (a segment does not start with a marker)"
        while position < size and content[position] == 0xFF:  # fill bytes before a marker
            position += 1
        if position >= size:
            break
        marker = content[position]
        position += 1
        if marker == 0xD9:  # EOI
            return position
        if marker in _STANDALONE:
            continue
        if position + 2 > size:
            break
        length = int.from_bytes(content[position : position + 2], "big")
        if length < 2 or position + length > size:
            return "is cut short (a segment runs past the end of the file)"
        position += length
        if marker == 0xDA:  # SOS: entropy-coded data follows, up to the next real marker
            position = _scan_end(content, position)
    return "is cut short (it has no EOI marker)"


def _scan_end(content: bytes, position: int) -> int:
    """The offset of the marker ending an entropy-coded scan (or the file's length)."""
    while True:
        position = content.find(b"\xff", position)
        if position < 0 or position + 1 >= len(content):
            return len(content)
        following = content[position + 1]
        # 0xFF 0x00 is a stuffed data byte, RSTn a restart inside the scan, 0xFF 0xFF fill.
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position += 1 if following == 0xFF else 2
            continue
        return position
