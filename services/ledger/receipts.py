"""Receipt files: accepted by what their bytes are (PDF, PNG or JPEG), never by their name.

A receipt is checked before anything is written: its size, its magic bytes, and that it parses
as the type those bytes claim (Pillow verifies images; a PDF must carry its header and an
end-of-file marker). The SHA-256 of the accepted bytes names the stored file and goes into the
expense's entry, so the public log commits to the exact file.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from services.ledger.domain.errors import InvalidValue

FIELD = "receipt"

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
#: Media type → file extension, for the stored file's download name.
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
_NAMES = {PDF: "a PDF", PNG: "a PNG image", JPEG: "a JPEG image"}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
# A PDF ends with %%EOF, perhaps followed by a line break; writers add a little slack.
_PDF_TAIL_BYTES = 1024

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


def accept_receipt(content: bytes, max_bytes: int) -> Receipt:
    """`content` as a Receipt, or ReceiptTooLarge / ReceiptRejected saying what is wrong."""
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
    problem = _check_pdf(content) if media_type == PDF else _check_image(content, media_type)
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


def _check_pdf(content: bytes) -> str | None:
    if b"%%EOF" not in content[-_PDF_TAIL_BYTES:]:
        return "has no %%EOF marker at its end (truncated or not a PDF)"
    return None


def _check_image(content: bytes, media_type: str) -> str | None:
    expected = "PNG" if media_type == PNG else "JPEG"
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused, not merely warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[expected]) as image:
                image.verify()
    except UnidentifiedImageError:
        return f"does not parse as a {expected} image"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "claims more pixels than a receipt needs (a decompression bomb?)"
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        return f"is damaged ({error})"
    return None
