"""The report pages for people (no /api/v1, not in the OpenAPI): PDF and HTML, latest or by id.

`/campaigns/{id}/report.pdf` and `/campaigns/{id}/report` serve the latest published report,
or, while none is, one at the latest checkpoint, made once (the PDF in a child process) and kept
on disk, never in the database (a GET never writes to the books; reports/kept.py).
Past the cap on renderings at once, the PDF is a 503 problem with Retry-After.
`/campaigns/{id}/reports/{report id}.pdf` and `.html` serve a published report, which never
changes: its ETag is its PDF's SHA-256. Refusals here are small HTML pages, not problem
documents: people read them.

Each report is in English and Bahasa Indonesia: `?lang=en|id` picks one, else the reader's
Accept-Language, else English (`Content-Language` says which; `Vary: Accept-Language` when the
header chose). A report published before the languages came is in English only, and is served
in English whatever was asked.
"""

from __future__ import annotations

import hashlib
import html
import uuid
from dataclasses import dataclass

import flask

from services.ledger.adapters.reports import StoredReport
from services.ledger.api.errors import come_back_later
from services.ledger.bootstrap import current_dependencies
from services.ledger.queries import public_campaign
from services.ledger.report_publishing import ReportPublisher, report_filename
from services.ledger.reports.rendering import RenderingBusy
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.errors import FAMILY_STATUSES, DomainError, NotFound
from shared.languages import DEFAULT_LANGUAGE, reader_language
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
    language = _language()
    with current_dependencies().uow_factory() as uow:
        public_campaign(uow, cid)
        latest = uow.reports.latest(cid)
        found = None if latest is None else _stored(uow, latest, language, "pdf")
    if latest is None or found is None:
        fresh = _publisher().preview_pdf(cid, language)
        return _fresh(fresh, PDF, f"campaign-{cid}-report.pdf", language)
    return _published(latest, found, PDF, "pdf")


@pages.get("/campaigns/<string:campaign_id>/report")
def latest_html(campaign_id: str) -> flask.Response:
    """The latest published report as HTML, or a fresh one while none is published."""
    cid = _uuid(campaign_id)
    language = _language()
    with current_dependencies().uow_factory() as uow:
        public_campaign(uow, cid)
        latest = uow.reports.latest(cid)
        found = None if latest is None else _stored(uow, latest, language, "html")
    if latest is None or found is None:
        return _fresh(_publisher().preview_html(cid, language).encode(), HTML, None, language)
    return _published(latest, found, HTML, "html")


@pages.get("/campaigns/<string:campaign_id>/reports/<string:report_file>")
def published(campaign_id: str, report_file: str) -> flask.Response:
    """A published report by id: `<report id>.pdf` or `<report id>.html`."""
    cid = _uuid(campaign_id)
    name, _, extension = report_file.rpartition(".")
    if extension not in ("pdf", "html"):
        raise NotFound("Reports are served as .pdf or .html.")
    report_id = _uuid(name)
    language = _language()
    with current_dependencies().uow_factory() as uow:
        public_campaign(uow, cid)
        report = uow.reports.get(cid, report_id)
        if report is None:
            raise NotFound(f"Campaign {cid} has no report {report_id}.")
        found = _stored(uow, report, language, extension)
    return _published(report, found, PDF if extension == "pdf" else HTML, extension)


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


@dataclass(frozen=True)
class _Stored:
    """A published report's rendering in one language, with its PDF's SHA-256."""

    content: bytes
    sha256: str
    language: str


def _language() -> str:
    """`?lang=`, else Accept-Language, else English."""
    request = flask.request
    return reader_language(request.args.get("lang"), request.accept_languages)


def _stored(uow: LedgerUnitOfWork, report: StoredReport, language: str, form: str) -> _Stored:
    """The report in `language`, or in English when it was published before languages came."""
    if language != DEFAULT_LANGUAGE:
        found = uow.reports.rendering(report.id, language, form)
        if found is not None:
            content, sha256 = found
            data = content if isinstance(content, bytes) else content.encode()
            return _Stored(data, sha256, language)
    english = uow.reports.pdf(report.id) if form == "pdf" else uow.reports.html(report.id).encode()
    return _Stored(english, report.sha256, DEFAULT_LANGUAGE)


def _publisher() -> ReportPublisher:
    return current_dependencies().report_publisher()


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("There is no such page.") from None


def _published(
    report: StoredReport, found: _Stored, media_type: str, extension: str
) -> flask.Response:
    """A published report: never changed, so cacheable, validated by its SHA-256."""
    response = flask.Response(found.content, content_type=media_type)
    filename = report_filename(report, extension)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # The PDF's SHA-256 in the language served (the list's `sha256_by_language`) tags both
    # forms of the report.
    tag = found.sha256 if extension == "pdf" else f"{found.sha256}-html"
    response.set_etag(tag)
    _say_language(response, found.language)
    response.headers["Cache-Control"] = "public, max-age=300"
    _harden(response)
    response.make_conditional(flask.request)  # a 304 when the reader has this very report
    return response


def _fresh(content: bytes, media_type: str, filename: str | None, language: str) -> flask.Response:
    """A report made for this request: it changes as the books do, so not cached."""
    response = flask.Response(content, content_type=media_type)
    _say_language(response, language)
    if filename is not None:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(hashlib.sha256(content).hexdigest())
    response.headers["Cache-Control"] = "no-cache"
    _harden(response)
    return response


def _say_language(response: flask.Response, language: str) -> None:
    response.headers["Content-Language"] = language
    if "lang" not in flask.request.args:
        # Chosen from Accept-Language: a shared cache must keep one copy per language.
        response.vary.add("Accept-Language")


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
