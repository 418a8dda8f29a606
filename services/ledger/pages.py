"""The report pages for people (no /api/v1, not in the OpenAPI): PDF and HTML, latest or by id.

`/campaigns/{id}/report.pdf` and `/campaigns/{id}/report` serve the latest published report,
or, while none is, one at the latest checkpoint, made once (the PDF in a child process) and kept
on disk, never in the database (a GET never writes to the books; reports/kept.py).
Past the cap on renderings at once, the PDF is a 503 problem with Retry-After.
`/campaigns/{id}/reports/{report id}.pdf` and `.html` serve a published report, which never
changes: its ETag is its PDF's SHA-256. Refusals here are small HTML pages, not problem
documents: people read them.
"""

from __future__ import annotations

import hashlib
import html
import uuid

import flask

from services.ledger.adapters.reports import StoredReport
from services.ledger.api.errors import come_back_later
from services.ledger.bootstrap import current_dependencies
from services.ledger.queries import public_campaign
from services.ledger.report_publishing import ReportPublisher, report_filename
from services.ledger.reports.rendering import RenderingBusy
from shared.errors import FAMILY_STATUSES, DomainError, NotFound
from shared.logging import get_logger

log = get_logger(__name__)

pages = flask.Blueprint("ledger_pages", __name__)

PDF = "application/pdf"
HTML = "text/html; charset=utf-8"

#: The report's HTML is one self-contained document: inline CSS and SVG, no script, nothing
#: fetched; creator text in it is escaped, and this makes sure nothing in it could run anyway.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

#: The title of an error page, by status.
ERROR_TITLES = {
    403: "Not allowed",
    404: "Not found",
    409: "The report cannot be made right now",
    422: "Not a valid request",
    503: "The report is being prepared",
}


@pages.get("/campaigns/<string:campaign_id>/report.pdf")
def latest_pdf(campaign_id: str) -> flask.Response:
    """The latest published report as PDF, or a fresh one while none is published."""
    cid = _uuid(campaign_id)
    with current_dependencies().uow_factory() as uow:
        public_campaign(uow, cid)
        latest = uow.reports.latest(cid)
        content = None if latest is None else uow.reports.pdf(latest.id)
    if latest is None or content is None:
        fresh = _publisher().preview_pdf(cid)
        return _fresh(fresh, PDF, f"campaign-{cid}-report.pdf")
    return _published(latest, content, PDF, "pdf")


@pages.get("/campaigns/<string:campaign_id>/report")
def latest_html(campaign_id: str) -> flask.Response:
    """The latest published report as HTML, or a fresh one while none is published."""
    cid = _uuid(campaign_id)
    with current_dependencies().uow_factory() as uow:
        public_campaign(uow, cid)
        latest = uow.reports.latest(cid)
        content = None if latest is None else uow.reports.html(latest.id)
    if latest is None or content is None:
        return _fresh(_publisher().preview_html(cid).encode(), HTML, None)
    return _published(latest, content.encode(), HTML, "html")


@pages.get("/campaigns/<string:campaign_id>/reports/<string:report_file>")
def published(campaign_id: str, report_file: str) -> flask.Response:
    """A published report by id: `<report id>.pdf` or `<report id>.html`."""
    cid = _uuid(campaign_id)
    name, _, extension = report_file.rpartition(".")
    if extension not in ("pdf", "html"):
        raise NotFound("Reports are served as .pdf or .html.")
    report_id = _uuid(name)
    with current_dependencies().uow_factory() as uow:
        public_campaign(uow, cid)
        report = uow.reports.get(cid, report_id)
        if report is None:
            raise NotFound(f"Campaign {cid} has no report {report_id}.")
        content = uow.reports.pdf(report_id) if extension == "pdf" else None
        text = uow.reports.html(report_id) if extension == "html" else None
    if content is not None:
        return _published(report, content, PDF, "pdf")
    assert text is not None
    return _published(report, text.encode(), HTML, "html")


@pages.errorhandler(DomainError)
def refused(error: DomainError) -> flask.Response:
    status = next((code for family, code in FAMILY_STATUSES if isinstance(error, family)), 409)
    if status != 404:
        log.warning("report_page.refused", error=error.message)
    return _error_page(status, ERROR_TITLES[status], error.message)


@pages.errorhandler(RenderingBusy)
def busy(error: RenderingBusy) -> flask.Response:
    """503 with Retry-After: a page for a browser, problem+json for any other client."""
    wanted = flask.request.accept_mimetypes.best_match(["application/problem+json", "text/html"])
    if wanted != "text/html":
        return come_back_later(error)
    response = _error_page(503, ERROR_TITLES[503], error.message)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _publisher() -> ReportPublisher:
    return current_dependencies().report_publisher()


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("There is no such page.") from None


def _published(
    report: StoredReport, content: bytes, media_type: str, extension: str
) -> flask.Response:
    """A published report: never changed, so cacheable, validated by its SHA-256."""
    response = flask.Response(content, content_type=media_type)
    filename = report_filename(report, extension)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # The PDF's SHA-256 (what the list and the event announce) tags both forms of the report.
    tag = report.sha256 if extension == "pdf" else f"{report.sha256}-html"
    response.set_etag(tag)
    response.headers["Cache-Control"] = "public, max-age=300"
    _harden(response)
    response.make_conditional(flask.request)  # a 304 when the reader has this very report
    return response


def _fresh(content: bytes, media_type: str, filename: str | None) -> flask.Response:
    """A report made for this request: it changes as the books do, so not cached."""
    response = flask.Response(content, content_type=media_type)
    if filename is not None:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(hashlib.sha256(content).hexdigest())
    response.headers["Cache-Control"] = "no-cache"
    _harden(response)
    return response


def _harden(response: flask.Response) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = REPORT_CSP


def _error_page(status: int, title: str, detail: str) -> flask.Response:
    body = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(title)} · Fundtrail</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>{html.escape(title)}</h1>
<p>{html.escape(detail)}</p>
<p><a href="/">Fundtrail</a></p>
</body>
</html>
"""
    response = flask.Response(body, status=status, content_type=HTML)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
