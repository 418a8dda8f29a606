"""Receipts' public copies over HTTP: the creator publishes one for an expense; backers, the
creator and auditors open it (and its thumbnail); anyone learns which receipts have one."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict
from typing import Any

import flask
from werkzeug.exceptions import NotFound

from services.ledger import commands, handlers, queries
from services.ledger.api.blueprint import MULTIPART, LedgerBlueprint
from services.ledger.api.schemas import ReceiptCopyForm, ReceiptCopyListSchema, ReceiptCopySchema
from services.ledger.bootstrap import current_dependencies
from services.ledger.receipt_files import EXTENSIONS
from shared.web.auth import current_principal, optional_principal

blp = LedgerBlueprint(
    "ledger receipt copies",
    __name__,
    url_prefix="/api/v1",
    description="Public copies of receipts, redacted by the campaign's creator, for its backers",
)

#: A receipt is named by its SHA-256 in lower-case hex, as the entry holds it; anything else
#: in the path (upper case, dots, encoded slashes) names nothing.
_SHA256 = re.compile(r"[0-9a-f]{64}")


@blp.post("/campaigns/<uuid:campaign_id>/entries/<int:seq>/receipt-copy")
@blp.authenticated("creator")
@blp.arguments(ReceiptCopyForm, location=MULTIPART)
@blp.response(201, ReceiptCopySchema)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such campaign or entry")
@blp.problem(409, "The entry is not an expense")
@blp.problem(413, "The copy is too large")
def publish_copy(form: dict[str, Any], campaign_id: uuid.UUID, seq: int) -> dict[str, Any]:
    """Publish a copy of expense `seq`'s receipt for the campaign's backers: the original
    (`kind` original, confirmed to hold no personal data) or an uploaded redacted copy. Either
    way the copy is rebuilt from its pixels (no metadata, no hidden text); the entry keeps the
    original's hash, and a newer copy of the same receipt replaces this one on the site."""
    dependencies = current_dependencies()
    limit = dependencies.ledger_settings.receipt_max_bytes
    upload = form["copy"]
    command = commands.PublishReceiptCopy(
        campaign_id=campaign_id,
        seq=seq,
        published_by=current_principal().account_id,
        kind=form["kind"],
        # One byte past the limit is enough to know it is too large, without reading it all.
        upload=None if upload is None else upload.stream.read(limit + 1),
    )
    copy = handlers.publish_receipt_copy(
        command, dependencies.uow_factory(), dependencies.receipts, limit, dependencies.clock
    )
    return {**asdict(copy), "kind": copy.kind.value, "viewable": True}


@blp.get("/campaigns/<uuid:campaign_id>/receipt-copies")
@blp.response(200, ReceiptCopyListSchema)
@blp.problem(404, "No such campaign")
def list_copies(campaign_id: uuid.UUID) -> dict[str, Any]:
    """The newest public copy of each receipt that has one; `viewable` says whether the caller
    (by their token; none: the public) may open them."""
    reader = optional_principal()
    with current_dependencies().uow_factory() as uow:
        return queries.receipt_copy_list(uow, reader, campaign_id)


@blp.get("/campaigns/<uuid:campaign_id>/receipt-copies/<string:sha256>")
@blp.authenticated()
@blp.response(200, description="The copy: a PDF of page images, a PNG or a JPEG")
@blp.problem(403, "Only the campaign's backers, its creator and auditors")
@blp.problem(404, "No copy of that receipt was published")
def get_copy(campaign_id: uuid.UUID, sha256: str) -> flask.Response:
    """The newest public copy of the receipt whose original has SHA-256 `sha256`."""
    return _file(campaign_id, sha256, thumbnail=False)


@blp.get("/campaigns/<uuid:campaign_id>/receipt-copies/<string:sha256>/thumbnail.png")
@blp.authenticated()
@blp.response(200, description="A PNG of the copy's first page", content_type="image/png")
@blp.problem(403, "Only the campaign's backers, its creator and auditors")
@blp.problem(404, "No copy of that receipt was published")
def get_thumbnail(campaign_id: uuid.UUID, sha256: str) -> flask.Response:
    """A small picture of the copy's first page."""
    return _file(campaign_id, sha256, thumbnail=True)


def _file(campaign_id: uuid.UUID, sha256: str, *, thumbnail: bool) -> flask.Response:
    if not _SHA256.fullmatch(sha256):
        raise NotFound("No receipt has that name: a receipt is named by its SHA-256 in hex.")
    dependencies = current_dependencies()
    with dependencies.uow_factory() as uow:
        copy, content = queries.receipt_copy(
            uow, current_principal(), campaign_id, sha256, thumbnail=thumbnail
        )
    media_type = "image/png" if thumbnail else copy.media_type
    response = flask.Response(content, mimetype=media_type)
    if not thumbnail:
        name = f"receipt-copy-{sha256}.{EXTENSIONS.get(media_type, 'bin')}"
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Backers only: no shared cache may keep it; a newer copy may replace it.
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(f"{copy.sha256}-thumbnail" if thumbnail else copy.sha256)
    response.make_conditional(flask.request)
    return response
