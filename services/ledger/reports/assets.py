"""The report package's own files that rendering may load, and the URLs the template names them by.

Kept apart from WeasyPrint (``pdf.py``) so that the web and worker processes, which only make
HTML, never import it: the PDF is made in a child process.
"""

from __future__ import annotations

from importlib import resources

ASSET_SCHEME = "fundtrail-report"
#: The only files a report may load: name → media type (all under ``templates/``).
ASSETS: dict[str, str] = {"report.css": "text/css; charset=utf-8"}


def asset_url(name: str) -> str:
    """The URL the template names a packaged asset by, e.g. ``fundtrail-report:report.css``."""
    return f"{ASSET_SCHEME}:{name}"


def read_asset(name: str) -> bytes:
    """A packaged asset's bytes; KeyError for anything not on the allow-list."""
    if name not in ASSETS:
        raise KeyError(name)
    return resources.files("services.ledger.reports").joinpath("templates", name).read_bytes()
