"""Receipts through the site: a receipt's public copy and its thumbnail for the campaign's
backers (and its creator and auditors), and the original receipt for auditors and the creator.

The site keeps no files and decides nothing here: it asks the ledger with the signed-in
person's token, and the ledger answers or refuses. Nobody writes an `Authorization` header by
hand: the token in the session cookie is the one sent.
"""

from __future__ import annotations

import re
import uuid

import flask
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden, NotFound

from services.site import context
from services.site.access import signed_in
from services.site.clients import ApiError
from services.site.clients.ledger import ReceiptFile
from shared.i18n import gettext_noop as N_

receipts = flask.Blueprint("receipts", __name__)

#: A receipt is named by its SHA-256 in lower-case hex, as the ledger's entry holds it.
_SHA256 = re.compile(r"[0-9a-f]{64}")
_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


@receipts.get("/campaigns/<uuid:campaign_id>/receipts/<string:sha256>/copy")
def copy(campaign_id: uuid.UUID, sha256: str) -> flask.Response:
    """The receipt's public copy, opened in the browser."""
    found = _copy(campaign_id, sha256, thumbnail=False)
    name = f"receipt-copy-{sha256}.{_EXTENSIONS.get(found.media_type, 'bin')}"
    return _served(found, f'inline; filename="{name}"')


@receipts.get("/campaigns/<uuid:campaign_id>/receipts/<string:sha256>/thumbnail.png")
def thumbnail(campaign_id: uuid.UUID, sha256: str) -> flask.Response:
    return _served(_copy(campaign_id, sha256, thumbnail=True), None)


@receipts.get("/campaigns/<uuid:campaign_id>/receipts/<string:sha256>/original")
def original(campaign_id: uuid.UUID, sha256: str) -> flask.Response:
    """The original receipt, downloaded: it may hold personal data, so only the campaign's
    creator and auditors get it (the ledger decides)."""
    _check(sha256)
    visitor = signed_in(message=N_("Sign in as an auditor to download original receipts."))
    try:
        found = context.services().ledger.receipt(campaign_id, sha256, token=visitor.token)
    except ApiError as exc:
        if exc.status == 403:
            raise Forbidden(
                _(
                    "Original receipts may hold personal data: only the campaign's creator and "
                    "auditors can download them."
                )
            ) from None
        if exc.status == 404:
            raise NotFound(_("This campaign has no such receipt.")) from None
        raise
    name = f"receipt-{sha256}.{_EXTENSIONS.get(found.media_type, 'bin')}"
    response = _served(found, f'attachment; filename="{name}"')
    # Opened in a browser anyway, a creator's upload runs no script on this site's origin.
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


def _check(sha256: str) -> None:
    if not _SHA256.fullmatch(sha256):
        raise NotFound(_("This campaign has no such receipt."))


def _copy(campaign_id: uuid.UUID, sha256: str, *, thumbnail: bool) -> ReceiptFile:
    _check(sha256)
    visitor = signed_in(message=N_("Sign in as a backer of the campaign to see its receipts."))
    try:
        return context.services().ledger.receipt_copy(
            campaign_id, sha256, thumbnail=thumbnail, token=visitor.token
        )
    except ApiError as exc:
        if exc.status == 403:
            raise Forbidden(
                _(
                    "Copies of receipts are shown to the campaign's backers, its creator and "
                    "auditors."
                )
            ) from None
        if exc.status == 404:
            raise NotFound(_("No copy of this receipt was published.")) from None
        raise


def _served(found: ReceiptFile, disposition: str | None) -> flask.Response:
    response = flask.Response(found.content, mimetype=found.media_type)
    if disposition:
        response.headers["Content-Disposition"] = disposition
    # Someone's own view (backers only): no shared cache may keep it; a newer copy replaces it.
    response.headers["Cache-Control"] = "private, no-cache"
    if found.etag:
        response.headers["ETag"] = found.etag
    return response
