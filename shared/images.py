"""Pictures people upload (a campaign's cover, an update's images), made safe to publish.

An upload is decoded in full within a pixel bound, turned the way the camera meant (EXIF
orientation), brought to sRGB, and then rebuilt from its pixels alone: what leaves here carries
no EXIF (phones write the place a photo was taken), no XMP, no ICC profile or comment, and none
of the bytes that may trail a file's end. Each rendition is a baseline JPEG at one of a few fixed
widths, so pages can offer a `srcset` and the share card can crop the widest one.

Used by the pledges service (covers) and the updates service (images in updates); the ledger
receives an already-made rendition in an event and never decodes an upload.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from shared.errors import InvalidValue

FIELD = "image"

#: The largest upload accepted, in bytes: a full-resolution phone photo is 3–12 MB.
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
#: The most pixels an upload may have: a 50-megapixel phone camera's full frame. Checked on the
#: header before any pixel is decoded, so a small file cannot make us inflate a huge bitmap
#: (decoded, 50 MP is at most 200 MB).
MAX_PIXELS = 50_000_000
#: The widths every picture is published at: a phone's list, a phone's full width and a
#: desktop column, and the share card's source (cropped to 1200 × 630 by the card).
WIDTHS = (320, 640, 1200)
#: The rendition the spending report shows (and the pledges service sends the ledger).
REPORT_WIDTH = 640
#: Narrower or lower than this and even the smallest rendition would be a blur.
MIN_WIDTH = 320
MIN_HEIGHT = 160
#: Neither side more than this many times the other: a banner or a long screenshot would make
#: every rendition a sliver or a tower on the page and on the card.
MAX_ASPECT = 3
#: Decoders we accept; each is one people's cameras and editors really produce.
FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85

_SRGB = ImageCms.createProfile("sRGB")


class ImageRejected(InvalidValue):
    """The upload is not a picture we publish (not an image, damaged, a bomb, animated)."""


class ImageTooLarge(InvalidValue):
    """The upload has more bytes than accepted (answered with 413, not 422)."""


@dataclass(frozen=True)
class Rendition:
    """One published size of a picture: a JPEG built from pixels only."""

    width: int
    height: int
    jpeg: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()


@dataclass(frozen=True)
class Picture:
    """An accepted upload, as every size it is published at, smallest first."""

    renditions: tuple[Rendition, ...]

    @property
    def sha256(self) -> str:
        """What names the picture: the SHA-256 of its widest rendition's bytes (which depend
        on every pixel kept), so the same upload always gets the same name."""
        return self.renditions[-1].sha256

    @property
    def widths(self) -> list[int]:
        return [rendition.width for rendition in self.renditions]

    def rendition(self, width: int) -> Rendition:
        for rendition in self.renditions:
            if rendition.width == width:
                return rendition
        raise KeyError(width)


def accept_picture(
    content: bytes,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_PIXELS,
    widths: tuple[int, ...] = WIDTHS,
) -> Picture:
    """`content` decoded, cleaned and re-encoded at `widths`; ImageTooLarge or ImageRejected
    (with the field `image` and the reason) when it cannot be."""
    if len(content) > max_bytes:
        raise ImageTooLarge(
            f"the picture is {len(content)} bytes; at most {max_bytes} are accepted", FIELD
        )
    if not content:
        raise ImageRejected("the file is empty", FIELD)
    pixels = _decode(content, max_pixels)
    width, height = pixels.size
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise ImageRejected(
            f"the picture is {width} × {height} pixels; it needs at least "
            f"{MIN_WIDTH} × {MIN_HEIGHT}",
            FIELD,
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageRejected(
            f"the picture is {width} × {height} pixels; no side may be more than "
            f"{MAX_ASPECT} times the other",
            FIELD,
        )
    return Picture(tuple(_rendition(pixels, target) for target in widths))


def clean_pixels(content: bytes, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """`content` (a JPEG, PNG or WebP) decoded within `max_pixels`, upright, in sRGB and holding
    nothing but its pixels, for a caller making its own renditions (a receipt's public copy);
    ImageRejected when it cannot be."""
    return _decode(content, max_pixels)


class TooManyPixels(Exception):
    """An image claims more pixels than accepted, found before any of them was decoded."""

    def __init__(self, width: int, height: int) -> None:
        super().__init__(f"{width} × {height} pixels")
        self.width, self.height = width, height


@contextmanager
def opened_within(content: bytes, formats: Sequence[str], max_pixels: int) -> Iterator[Image.Image]:
    """Untrusted image bytes opened, not yet decoded, for the caller to `load()`: refused with
    TooManyPixels over `max_pixels` before any decoding, and with Pillow's DecompressionBombError
    rather than its warning. Pillow's other refusals (UnidentifiedImageError, and whatever a
    decoder raises on damaged bytes) pass through for the caller to word."""
    with warnings.catch_warnings():
        # Pillow's own bomb guard only warns below twice its limit, and a warning under
        # `-W error` would be a 500: refuse on our own bound first, before decoding.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(content), formats=list(formats)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise TooManyPixels(width, height)
            # WeasyPrint, once imported, sets Pillow's process-wide LOAD_TRUNCATED_IMAGES; an
            # upload must decode whole whatever else this process has loaded.
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            yield image


def _decode(content: bytes, max_pixels: int) -> Image.Image:
    """The upload's pixels as an upright sRGB image with no metadata attached."""
    try:
        with opened_within(content, FORMATS, max_pixels) as image:
            if getattr(image, "n_frames", 1) > 1:
                raise ImageRejected(
                    "the picture is animated; upload a still image (JPEG, PNG or WebP)", FIELD
                )
            # A JPEG can be decoded straight at 1/2, 1/4 or 1/8 of its size: at the smallest
            # scale that still leaves both sides at least the widest rendition (either side
            # may become the width once turned upright), a 12 MP photo decodes a quarter of
            # its pixels, in well under half the time (measured: 2.6 s → 1.0 s).
            side = max(WIDTHS)
            image.draft("RGB", (side, side))
            image.load()
            icc = image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image)
            return _pixels_only(_to_srgb(upright, icc))
    except ImageRejected:
        raise
    except TooManyPixels as error:
        raise ImageRejected(
            f"the picture claims {error.width} × {error.height} pixels, more than the "
            f"{max_pixels} accepted (a decompression bomb?)",
            FIELD,
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected("the file is not a JPEG, PNG or WebP picture", FIELD) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(
            "the picture claims more pixels than accepted (a decompression bomb?)", FIELD
        ) from None
    except Exception as error:  # noqa: BLE001
        # Decoders of untrusted bytes raise OSError (truncated), SyntaxError, ValueError,
        # EOFError and more: whichever it is, the picture does not decode.
        raise ImageRejected(
            f"the picture is damaged or cut short ({error_summary(error)})", FIELD
        ) from None


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB pixels in sRGB: the profile is dropped on re-encoding, so its colours are applied
    now (a wide-gamut phone photo would otherwise come out dull); transparency on white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # A broken profile: read the pixels as sRGB, as browsers do.
    return image.convert("RGB")


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding nothing but `image`'s pixels: Pillow carries `info` (comment, XMP,
    EXIF, ICC) through convert() and resize() and its JPEG writer may write some of it back."""
    return Image.frombytes("RGB", image.size, image.tobytes())


def _rendition(pixels: Image.Image, width: int) -> Rendition:
    height = max(1, round(pixels.height * width / pixels.width))
    resized = pixels.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    _pixels_only(resized).save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Rendition(width, height, out.getvalue())


def error_summary(error: Exception) -> str:
    """A decoder's error in at most 200 characters, for a refusal's words."""
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "…"
