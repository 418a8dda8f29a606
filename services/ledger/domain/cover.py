"""The picture a campaign's report shows on its first page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoverPicture:
    """The report-size rendition of a campaign's cover, as the pledges service announced it."""

    #: What names the cover picture (the pledges service's SHA-256 of it).
    sha256: str
    #: A JPEG made from pixels only (no metadata), `width` × `height`.
    jpeg: bytes
    width: int
    height: int
