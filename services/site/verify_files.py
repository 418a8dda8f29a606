"""The verify box's three files, from the site's own address and under the names the command
in the box uses: `export.jsonl`, `checkpoint.txt`, `ledger.vkey`. A browser ignores the
`download` attribute on another site's link (the ledger's), so only a same-origin attachment
arrives with the right name; each is passed on from the ledger's public API as it is read."""

from __future__ import annotations

import uuid

import flask
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from services.site import context
from shared.web.fields import MAX_LOG_POSITION

verify_files = flask.Blueprint("verify_files", __name__)

#: The file names `fundtrail verify` is shown with, and what each is at the ledger.
FILES = {"export.jsonl": "export", "checkpoint.txt": "checkpoint", "ledger.vkey": "key"}
_CHUNK = 64 * 1024
_PASSED_ON = ("Fundtrail-Tree-Size", "Last-Modified")


@verify_files.get("/campaigns/<uuid:campaign_id>/verify/<string:filename>")
def download(campaign_id: uuid.UUID, filename: str) -> flask.Response:
    if filename not in FILES:
        raise NotFound(_("There is no such file to verify with."))
    upstream = context.services().ledger.verify_file(campaign_id, FILES[filename], _tree_size())
    response = flask.Response(
        upstream.iter_content(_CHUNK),
        content_type=upstream.headers.get("Content-Type", "application/octet-stream"),
    )
    response.call_on_close(upstream.close)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    for name in _PASSED_ON:
        if name in upstream.headers:
            response.headers[name] = upstream.headers[name]
    return response


def _tree_size() -> int | None:
    """`?tree_size=N`: the files of that published checkpoint; none, the latest. Anything but a
    log size is no such file (404), never a 5xx."""
    text = flask.request.args.get("tree_size")
    if text is None:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 16 or int(text) > MAX_LOG_POSITION:
        raise NotFound(_("There is no such file to verify with."))
    return int(text)
