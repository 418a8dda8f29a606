"""Public spending reports over the JSON API: publish one, list them, one's metadata and links.

The reports themselves (PDF, HTML) are pages for people, served by services/ledger/pages.py.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import marshmallow as ma

from services.ledger.adapters.reports import StoredReport
from services.ledger.api.blueprint import LedgerBlueprint
from services.ledger.bootstrap import current_dependencies
from services.ledger.queries import public_campaign
from services.ledger.report_publishing import ReportPublisher
from shared.errors import NotFound
from shared.web.auth import current_principal

blp = LedgerBlueprint(
    "ledger reports",
    __name__,
    url_prefix="/api/v1",
    description="Public spending reports: published at a signed checkpoint, never changed",
)


class UnknownReport(NotFound):
    """The campaign has no published report with that id."""


class ReportLinksSchema(ma.Schema):
    pdf = ma.fields.Url(metadata={"description": "The report as PDF/A-3b, its proof attached"})
    html = ma.fields.Url(metadata={"description": "The same report as an HTML page"})


class ReportSummarySchema(ma.Schema):
    id = ma.fields.UUID()
    tree_size = ma.fields.Integer(metadata={"description": "Entries the report covers"})
    root_hash = ma.fields.String(metadata={"description": "The checkpoint's root hash, base64"})
    sha256 = ma.fields.String(
        metadata={"description": "SHA-256 of the English PDF, hex (its ETag)"}
    )
    sha256_by_language = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={
            "description": "SHA-256 of the PDF in each language it was published in, hex: "
            '`{"en": …, "id": …}` (`?lang=id` on its pages serves that one); a report '
            "published before Indonesian came has `en` only"
        },
    )
    published_at = ma.fields.AwareDateTime()
    url = ma.fields.Url(metadata={"description": "The PDF"})


class ReportSchema(ReportSummarySchema):
    campaign_id = ma.fields.UUID()
    checkpoint = ma.fields.Url(metadata={"description": "The signed checkpoint it was built from"})
    links = ma.fields.Nested(ReportLinksSchema)


class ReportListSchema(ma.Schema):
    reports = ma.fields.List(ma.fields.Nested(ReportSummarySchema))


@blp.post("/campaigns/<uuid:campaign_id>/reports")
@blp.authenticated("creator")
@blp.response(201, ReportSchema, description="Published now")
@blp.alt_response(
    200, schema=ReportSchema, description="A report of the latest checkpoint was there already"
)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such campaign")
@blp.problem(409, "The report could not be rendered (too large, or it took too long)")
def publish_report(campaign_id: uuid.UUID) -> tuple[dict[str, Any], int]:
    """Publish a report at the latest signed checkpoint. One report exists per checkpoint: asked
    again before the books move on, the answer is that same report, 200."""
    publisher = _publisher()
    publication = publisher.publish(campaign_id, current_principal().account_id)
    with current_dependencies().uow_factory() as uow:
        hashes = uow.reports.sha256_by_language(publication.report)
    return _report_json(publisher, publication.report, hashes), 201 if publication.created else 200


@blp.get("/campaigns/<uuid:campaign_id>/reports")
@blp.response(200, ReportListSchema)
@blp.problem(404, "No such campaign")
def list_reports(campaign_id: uuid.UUID) -> dict[str, Any]:
    """The campaign's published reports, newest first."""
    publisher = _publisher()
    with current_dependencies().uow_factory() as uow:
        public_campaign(uow, campaign_id)
        listed = [
            (report, uow.reports.sha256_by_language(report))
            for report in uow.reports.listing(campaign_id)
        ]
    return {"reports": [_summary_json(publisher, report, hashes) for report, hashes in listed]}


@blp.get("/campaigns/<uuid:campaign_id>/reports/<uuid:report_id>")
@blp.response(200, ReportSchema)
@blp.problem(404, "No such campaign or report")
def get_report(campaign_id: uuid.UUID, report_id: uuid.UUID) -> dict[str, Any]:
    """One published report's metadata, and where to read it as PDF or HTML."""
    with current_dependencies().uow_factory() as uow:
        public_campaign(uow, campaign_id)
        report = uow.reports.get(campaign_id, report_id)
        if report is None:
            raise UnknownReport(f"Campaign {campaign_id} has no report {report_id}.")
        hashes = uow.reports.sha256_by_language(report)
    return _report_json(_publisher(), report, hashes)


def _publisher() -> ReportPublisher:
    return current_dependencies().report_publisher()


def _summary_json(
    publisher: ReportPublisher, report: StoredReport, hashes: dict[str, str]
) -> dict[str, Any]:
    return {
        "id": report.id,
        "tree_size": report.tree_size,
        "root_hash": base64.b64encode(report.root_hash).decode(),
        "sha256": report.sha256,
        "sha256_by_language": hashes,
        "published_at": report.published_at,
        "url": publisher.pdf_url(report),
    }


def _report_json(
    publisher: ReportPublisher, report: StoredReport, hashes: dict[str, str]
) -> dict[str, Any]:
    checkpoint = (
        f"{publisher.public_url}/api/v1/campaigns/{report.campaign_id}"
        f"/checkpoints/{report.tree_size}"
    )
    return {
        **_summary_json(publisher, report, hashes),
        "campaign_id": report.campaign_id,
        "checkpoint": checkpoint,
        "links": {"pdf": publisher.pdf_url(report), "html": publisher.html_url(report)},
    }
