"""Auditors' exports over HTTP: a campaign's journal as CSV or beancount, streamed."""

from __future__ import annotations

import uuid
from typing import Any

import flask
import marshmallow as ma

from services.ledger import queries
from services.ledger.api.blueprint import LedgerBlueprint
from services.ledger.bootstrap import current_dependencies
from services.ledger.exports.entries import PUBLIC, DateRange
from services.ledger.exports.export import (
    BEANCOUNT,
    CSV,
    ExportFormat,
    auditor_audience,
    prepare_export,
)
from shared.web.api import PUBLIC_OR_BEARER
from shared.web.auth import optional_principal
from shared.web.fields import MAX_LOG_POSITION, Day, bounded_int

blp = LedgerBlueprint(
    "ledger exports",
    __name__,
    url_prefix="/api/v1",
    description="Each campaign's journal for auditors and spreadsheets: CSV and beancount",
)

TREE_SIZE_HEADER = "Fundtrail-Tree-Size"
AUDIENCE_HEADER = "Fundtrail-Export-Audience"


class DatedExportQuery(ma.Schema):
    from_ = Day(
        data_key="from",
        load_default=None,
        metadata={"description": "Only entries dated on or after this day (YYYY-MM-DD)"},
    )
    to = Day(
        load_default=None,
        metadata={"description": "Only entries dated on or before this day (YYYY-MM-DD)"},
    )
    tree_size = bounded_int(
        0,
        MAX_LOG_POSITION,
        load_default=None,
        metadata={"description": "A published checkpoint's size (default: the latest)"},
    )

    @ma.validates_schema
    def _in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("from_"), data.get("to")
        if start is not None and end is not None and start > end:
            raise ma.ValidationError(f"must not be after to ({end.isoformat()})", "from")


@blp.get("/campaigns/<uuid:campaign_id>/export.csv")
@blp.arguments(DatedExportQuery, location="query")
@blp.response(200, description="RFC 4180 CSV, one row per entry", content_type=CSV.media_type)
@blp.doc(security=PUBLIC_OR_BEARER)
@blp.problem(401, "A token was given but is not valid")
@blp.problem(404, "No such campaign, or no checkpoint of that size")
@blp.problem(422, "A bad date, or from after to")
def export_csv(query: dict[str, Any], campaign_id: uuid.UUID) -> flask.Response:
    """The entries of the latest signed checkpoint as CSV (see docs/ledger.md for the columns).
    An auditor's token adds each pledge's backer account id and receipt download links."""
    return _export(CSV, query, campaign_id)


@blp.get("/campaigns/<uuid:campaign_id>/export.beancount")
@blp.arguments(DatedExportQuery, location="query")
@blp.response(200, description="A beancount 3 journal", content_type=BEANCOUNT.media_type)
@blp.doc(security=PUBLIC_OR_BEARER)
@blp.problem(401, "A token was given but is not valid")
@blp.problem(404, "No such campaign, or no checkpoint of that size")
@blp.problem(422, "A bad date, or from after to")
def export_beancount(query: dict[str, Any], campaign_id: uuid.UUID) -> flask.Response:
    """The entries of the latest signed checkpoint as a beancount journal whose balances are
    the ledger's. An auditor's token adds backer account ids and receipt links as metadata."""
    return _export(BEANCOUNT, query, campaign_id)


def _export(export_format: ExportFormat, query: dict[str, Any], campaign_id: uuid.UUID) -> Any:
    dependencies = current_dependencies()
    audience = PUBLIC
    if queries.sees_backers(optional_principal()):
        audience = auditor_audience(dependencies.ledger_settings.public_url, campaign_id)
    dates = DateRange(query["from_"], query["to"])
    with dependencies.uow_factory() as uow:
        export = prepare_export(
            uow, campaign_id, export_format, dates, audience, query["tree_size"]
        )
    # A generator: the body is written while it is read, page by page, in constant memory.
    response = flask.Response(
        export.chunks(dependencies.engine), content_type=export.format.media_type
    )
    response.headers[TREE_SIZE_HEADER] = str(export.tree_size)
    # Who the ledger took the reader for: a client passing the file on (the site) can tell an
    # auditor's export from the public one without reading it, or knowing who sees backers.
    response.headers[AUDIENCE_HEADER] = "auditor" if audience.is_auditor else "public"
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    # An auditor's export names backers: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-store" if audience.is_auditor else "no-cache"
    response.vary.add("Authorization")
    return response
