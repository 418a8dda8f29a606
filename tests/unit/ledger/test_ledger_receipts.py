"""Receipts are accepted by what their bytes are, within the size limit, and named by SHA-256.

Every file here is real and made in the test: PDFs by pypdf, images by Pillow, and the bombs
with zlib (all-zero pixels compress about a thousandfold, so they stay small).
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter

from services.ledger.receipt_files import (
    JPEG,
    MAX_PIXELS,
    PDF,
    PNG,
    ReceiptRejected,
    ReceiptTooLarge,
    accept_receipt,
    sniff,
)

LIMIT = 10_000


def image(kind: str, size: tuple[int, int] = (4, 4), **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, kind, **options)
    return buffer.getvalue()


def noisy_jpeg(**options: object) -> bytes:
    """A JPEG with real entropy-coded data (0xFF bytes stuffed in the scans and all)."""
    buffer = io.BytesIO()
    Image.frombytes("L", (64, 64), bytes(range(256)) * 16).convert("RGB").save(
        buffer, "JPEG", quality=95, **options
    )
    return buffer.getvalue()


def pdf(pages: int = 1, title: str | None = None, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if title is not None:
        writer.add_metadata({"/Title": title})
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, *, whole: bool = True) -> bytes:
    """A 1-bit greyscale PNG of `width` × `height` black pixels. Whole, its data decompresses to
    height × (1 + width/8) bytes; otherwise it only claims that size (one row of data)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = bytes(1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height if whole else 1))
    data += compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def refusal(content: bytes, limit: int = LIMIT, **options: int) -> str:
    with pytest.raises(ReceiptRejected) as refused:
        accept_receipt(content, limit, **options)
    assert refused.value.field == "receipt"
    return refused.value.message


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (pdf(), PDF),
        (pdf(pages=3, title="Invoice 42"), PDF),
        (pdf() + b"\r\n \t\x00", PDF),  # white space after %%EOF is allowed
        (pdf(password=""), PDF),  # "protected" with an empty password: anyone can open it
        (image("PNG"), PNG),
        (image("JPEG"), JPEG),
        (noisy_jpeg(), JPEG),
        (noisy_jpeg(progressive=True), JPEG),  # several scans
        (noisy_jpeg(restart_marker_blocks=1), JPEG),  # RSTn markers inside the scan
    ],
)
def test_pdf_png_and_jpeg_are_accepted_and_hashed(content: bytes, media_type: str) -> None:
    receipt = accept_receipt(content, LIMIT)
    assert receipt.media_type == media_type
    assert receipt.content == content
    assert receipt.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<!DOCTYPE html><html>%PDF-1.4", "an HTML/XML document"),
        (b"  \n<html><body>receipt</body></html>", "an HTML/XML document"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "an HTML/XML document"),
        (b"\x7fELF\x02\x01\x01" + bytes(64), "an ELF executable"),
        (b"MZ\x90\x00\x03", "a Windows executable"),
        (b"#!/bin/sh\nrm -rf /", "a script"),
        (b"PK\x03\x04zipzip", "a ZIP archive"),
        (image("GIF"), "a GIF image"),
        (b"Total: 12.50 EUR", "a file of unknown type"),
        (b" %PDF-1.4\n%%EOF", "a file of unknown type"),  # the header must come first
    ],
)
def test_anything_else_is_refused_saying_what_it_is(content: bytes, message: str) -> None:
    assert message in refusal(content)
    assert sniff(content) is None


# --- PDF ---------------------------------------------------------------------------------------

HTML_AS_PDF = (
    b"%PDF-1.4\n<!DOCTYPE html><html><body><script>fetch('/api/v1/accounts')</script>"
    b"</body></html>\n%%EOF\n"
)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (HTML_AS_PDF, "does not parse as a PDF"),
        (b"%PDF-1.7\n" + b"%" * 200 + b"\n%%EOF\n", "does not parse as a PDF"),
        (pdf()[:-120] + b"\n%%EOF\n", "does not parse as a PDF"),  # the xref table cut away
        (pdf(pages=0), "has no pages"),
        (pdf(password="s3cret"), "password-protected"),
        (b"%PDF-1.4\nno end", "no %%EOF marker"),
    ],
)
def test_a_pdf_must_parse_and_have_a_page(content: bytes, says: str) -> None:
    message = refusal(content)
    assert message.startswith("receipt starts like a PDF but")
    assert says in message


@pytest.mark.parametrize(
    "tail",
    [b"<html><script>alert(1)</script></html>", b"PK\x03\x04" + bytes(30), b"x", b"%%EOF\nx"],
)
def test_nothing_but_white_space_may_follow_a_pdfs_final_eof(tail: bytes) -> None:
    assert "data after its final %%EOF" in refusal(pdf() + tail)


# --- images ------------------------------------------------------------------------------------


def test_nothing_may_follow_a_pngs_iend_or_a_jpegs_eoi() -> None:
    png, jpeg = image("PNG"), noisy_jpeg()
    assert "8 bytes of data after its IEND chunk" in refusal(png + b"<script>")
    assert "after its IEND chunk" in refusal(png + b"\n")
    assert "4 bytes of data after its EOI marker" in refusal(jpeg + b"PK\x03\x04")
    assert "after its EOI marker" in refusal(jpeg + jpeg)  # a second image smuggled behind


def test_damaged_files_of_the_right_kind_are_refused() -> None:
    png = image("PNG")
    # Flip one byte of the image data: the chunk's CRC no longer matches.
    idat = png.index(b"IDAT") + 6
    damaged = png[:idat] + bytes([png[idat] ^ 0xFF]) + png[idat + 1 :]
    jpeg = noisy_jpeg()
    for content in (png[:30], damaged, b"\xff\xd8\xff\xe0garbage", jpeg[: len(jpeg) // 2]):
        assert "starts like" in refusal(content)


def test_an_image_must_decode_in_full_not_only_its_chunks() -> None:
    # Sound chunks (right CRCs) around image data that is not a zlib stream at all: only
    # decoding the pixels finds that out.
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    broken = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"not zlib data at all")
        + chunk(b"IEND", b"")
    )
    message = refusal(broken)
    assert message.startswith("receipt starts like a PNG image but is damaged")


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    # 9000 × 9000 pixels: about 10 MB of image data in an 11 kB file, 81 MB once decoded.
    bomb = png_bomb(9000, 9000)
    assert len(bomb) < 20_000
    assert MAX_PIXELS < 9000 * 9000
    message = refusal(bomb, limit=10**6)
    assert "9000 × 9000 pixels" in message
    assert f"at most {MAX_PIXELS}" in message


@pytest.mark.parametrize(
    "side",
    [
        10_000,  # 100 MP: past Pillow's own limit, where it only warns
        20_000,  # 400 MP: past twice Pillow's limit, where it raises
    ],
)
def test_pillows_own_bomb_guard_is_a_refusal_never_a_warning_or_a_500(side: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as pytest runs: any warning would fail the test
        message = refusal(png_bomb(side, side, whole=False), limit=10**6)
    assert "more pixels than a receipt needs" in message


def test_the_pixel_bound_is_a_parameter_with_a_documented_default() -> None:
    png = image("PNG", (100, 50))
    assert accept_receipt(png, LIMIT, max_pixels=5_000).media_type == PNG
    assert "at most 4999" in refusal(png, max_pixels=4_999)
    assert MAX_PIXELS == 50_000_000


# --- size --------------------------------------------------------------------------------------


def test_the_size_limit_counts_every_byte() -> None:
    content = pdf()
    limit = len(content)
    assert accept_receipt(content, limit).media_type == PDF
    with pytest.raises(ReceiptTooLarge) as refused:
        accept_receipt(content + b"\n", limit)
    assert refused.value.field == "receipt"
    assert str(limit) in refused.value.message
    assert "empty" in refusal(b"")


def test_a_truncated_image_is_refused_even_after_weasyprint_was_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import
    # (weasyprint/images.py); the receipt check must not inherit it.
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    broken = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"not zlib data at all")
        + chunk(b"IEND", b"")
    )
    assert refusal(broken).startswith("receipt starts like a PNG image but is damaged")
