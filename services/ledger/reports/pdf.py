"""HTML to PDF/A-3b with WeasyPrint, fetching nothing but the report package's own assets.

WeasyPrint fetches whatever a document names: stylesheets, images, ``<link rel=attachment>`` and
``<a rel=attachment>`` targets. :class:`PackagedAssetFetcher` answers only for the allow-listed
files of this package, under the private ``fundtrail-report:`` scheme; ``file://``, ``http(s)``,
``data:`` and every other URL is refused before anything is opened, so there is no redirect to
follow either. The only attachments a report carries are the ones passed here explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from services.ledger.reports.assets import ASSET_SCHEME, ASSETS, read_asset
from services.ledger.reports.job import PdfAttachment

PDF_VARIANT = "pdf/a-3b"

logger = logging.getLogger(__name__)


class AssetRefused(ValueError):
    """A document asked for a URL that is not one of the report's packaged assets."""


class PackagedAssetFetcher(URLFetcher):
    """Serves the allow-listed assets, and the job's own pictures (the cover, JPEG bytes made by
    Fundtrail), and refuses every other URL (recorded in ``refused``)."""

    def __init__(self, images: Mapping[str, bytes] | None = None) -> None:
        # The base class's handlers (file, http, ftp, data) are never reached: fetch() below
        # answers every request itself. The arguments only restate that for a reader.
        super().__init__(allowed_protocols=(ASSET_SCHEME,), allow_redirects=False)
        self.refused: list[str] = []
        self.images = dict(images or {})

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme, _, name = url.partition(":")
        if scheme.lower() == ASSET_SCHEME and name in self.images:
            return URLFetcherResponse(
                url, self.images[name], headers={"Content-Type": "image/jpeg"}, status=200
            )
        if scheme.lower() != ASSET_SCHEME or name not in ASSETS:
            self.refused.append(url)
            logger.warning("report rendering refused to fetch %.200r", url)
            raise AssetRefused(f"not a packaged report asset: {url[:200]}")
        return URLFetcherResponse(
            url, read_asset(name), headers={"Content-Type": ASSETS[name]}, status=200
        )


def write_pdf(
    html: str,
    attachments: Sequence[PdfAttachment],
    made_at: datetime,
    fetcher: PackagedAssetFetcher | None = None,
) -> bytes:
    """The PDF/A-3b of ``html`` with ``attachments``; every date in it is ``made_at``, so the
    same input gives the same bytes (WeasyPrint's file identifier is a hash of the content)."""
    fetcher = fetcher or PackagedAssetFetcher()
    # Attachment writes its dates with a literal "Z": hand it UTC wall time.
    moment = made_at.astimezone(UTC).replace(tzinfo=None)
    embedded = [
        Attachment(
            string=attachment.content,
            name=attachment.name,
            description=attachment.description,
            created=moment,
            modified=moment,
            relationship="Data",
            url_fetcher=fetcher,
        )
        for attachment in attachments
    ]
    document = HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=embedded)
    return pdf
