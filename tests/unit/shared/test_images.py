"""Uploaded pictures come out as clean JPEGs, or are refused with the field and the reason."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from shared.images import (
    MAX_UPLOAD_BYTES,
    WIDTHS,
    ImageRejected,
    ImageTooLarge,
    accept_picture,
)
from shared.picture_store import FileSystemPictureStore
from tests.factories import PHOTO_SECRETS, phone_photo


def test_a_phone_photo_comes_out_without_its_metadata() -> None:
    picture = accept_picture(phone_photo())

    assert picture.widths == list(WIDTHS)
    for rendition in picture.renditions:
        with Image.open(io.BytesIO(rendition.jpeg)) as image:
            assert image.format == "JPEG"
            assert image.size == (rendition.width, rendition.height)
            assert dict(image.getexif()) == {}
            assert "xmp" not in image.info and "icc_profile" not in image.info
            assert "comment" not in image.info
        for leftover in PHOTO_SECRETS:
            assert leftover not in rendition.jpeg
    assert picture.rendition(1200).height == 900


def test_the_exif_orientation_is_applied_to_the_pixels() -> None:
    # Orientation 6: the camera was turned a quarter; the pixels are stored lying on their side.
    picture = accept_picture(phone_photo(800, 600, orientation=6))

    rendition = picture.rendition(640)
    assert (rendition.width, rendition.height) == (640, 853)
    with Image.open(io.BytesIO(rendition.jpeg)) as image:
        # The blue band stored at the top left is at the top right once turned upright.
        assert image.getpixel((630, 10))[2] > 150
        assert image.getpixel((10, 10))[0] > 150


def test_the_same_upload_gets_the_same_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first, second = accept_picture(phone_photo()), accept_picture(phone_photo())
    store = FileSystemPictureStore(tmp_path)

    assert first.sha256 == second.sha256 == store.put(first) == store.put(second)
    assert store.get(first.sha256, 640) == first.rendition(640).jpeg
    assert store.get(first.sha256, 333) is None
    assert store.get("../" + first.sha256[3:], 640) is None


def _png_bomb(width: int, height: int) -> bytes:
    """A PNG header claiming `width` × `height` pixels, with one tiny compressed row."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
        + chunk(b"IEND", b"")
    )


def _animated_png() -> bytes:
    out = io.BytesIO()
    frames = [Image.new("RGB", (400, 300), colour) for colour in ("red", "blue")]
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (_png_bomb(100_000, 100_000), "decompression bomb"),
        (b"name,amount\nrent,100\n", "not a JPEG, PNG or WebP"),
        (phone_photo()[:3000], "damaged or cut short"),
        (_animated_png(), "animated"),
        (b"", "empty"),
        (phone_photo(300, 200), "at least 320"),
        (phone_photo(1500, 400), "3 times"),
    ],
    ids=["bomb", "text", "truncated", "animated", "empty", "too-small", "too-thin"],
)
def test_what_is_not_a_picture_we_publish_is_refused(content: bytes, reason: str) -> None:
    with pytest.raises(ImageRejected) as refused:
        accept_picture(content)

    assert refused.value.field == "image"
    assert reason in refused.value.message


def test_too_many_bytes_is_refused_before_decoding() -> None:
    with pytest.raises(ImageTooLarge) as refused:
        accept_picture(b"\xff\xd8\xff" + b"\x00" * MAX_UPLOAD_BYTES)

    assert refused.value.field == "image"
