"""Receipts are accepted by what their bytes are, within the size limit, and named by SHA-256."""

from __future__ import annotations

import hashlib
import io
import zlib

import pytest
from PIL import Image

from services.ledger.receipts import (
    JPEG,
    PDF,
    PNG,
    ReceiptRejected,
    ReceiptTooLarge,
    accept_receipt,
    sniff,
)

LIMIT = 10_000


def image(kind: str, size: tuple[int, int] = (4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, kind)
    return buffer.getvalue()


PDF_FILE = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("content", "media_type"),
    [(PDF_FILE, PDF), (image("PNG"), PNG), (image("JPEG"), JPEG), (PDF_FILE + b"\r\n", PDF)],
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
    with pytest.raises(ReceiptRejected) as refused:
        accept_receipt(content, LIMIT)
    assert refused.value.field == "receipt"
    assert message in refused.value.message
    assert sniff(content) is None


def test_damaged_files_of_the_right_kind_are_refused() -> None:
    png = image("PNG")
    # Flip one byte of the image data: the chunk's CRC no longer matches.
    idat = png.index(b"IDAT") + 6
    damaged = png[:idat] + bytes([png[idat] ^ 0xFF]) + png[idat + 1 :]
    for content in (png[:30], damaged, b"\xff\xd8\xff\xe0garbage", b"%PDF-1.4\nno end"):
        with pytest.raises(ReceiptRejected, match="starts like"):
            accept_receipt(content, LIMIT)


def test_the_size_limit_counts_every_byte() -> None:
    head, tail = b"%PDF-1.7\n", b"%%EOF\n"
    content = head + b"%" * (LIMIT - len(head) - len(tail)) + tail
    assert len(content) == LIMIT
    assert accept_receipt(content, LIMIT).media_type == PDF
    with pytest.raises(ReceiptTooLarge) as refused:
        accept_receipt(content + b"\n", LIMIT)
    assert refused.value.field == "receipt"
    assert str(LIMIT) in refused.value.message
    with pytest.raises(ReceiptRejected, match="empty"):
        accept_receipt(b"", LIMIT)


def test_a_decompression_bomb_is_refused_not_decoded() -> None:
    # A tiny PNG that claims to be 30000 × 30000 pixels (900 megapixels).
    bomb = image("PNG", (1, 1))
    header = bomb.index(b"IHDR")
    ihdr = b"IHDR" + (30000).to_bytes(4, "big") * 2 + bomb[header + 12 : header + 17]
    patched = (
        bomb[: header - 4]
        + (13).to_bytes(4, "big")
        + ihdr
        + zlib.crc32(ihdr).to_bytes(4, "big")
        + bomb[header + 21 :]
    )
    with pytest.raises(ReceiptRejected, match="more pixels"):
        accept_receipt(patched, 10**6)
