"""The verifier wheel over HTTP: what to install (JSON, for the site's verify box) and the wheel
itself, at a root path whose last part is the wheel's file name, as pip and pipx require."""

from __future__ import annotations

import flask
import marshmallow as ma

from services.ledger.api.blueprint import LedgerBlueprint
from services.ledger.verifier_wheel import verifier_wheel

blp = LedgerBlueprint(
    "ledger verifier", __name__, url_prefix="/api/v1", description="The offline verifier"
)
#: Outside /api/v1: a file for people's tools, not JSON.
files = flask.Blueprint("verifier_files", __name__)

WHEEL_TYPE = "application/zip"


class VerifierSchema(ma.Schema):
    filename = ma.fields.String(metadata={"description": "The wheel's file name"})
    version = ma.fields.String()
    sha256 = ma.fields.String(metadata={"description": "The wheel's SHA-256, hex"})
    path = ma.fields.String(
        metadata={"description": "Where the ledger serves it: `pipx install <ledger>/<path>`"}
    )


@blp.get("/verifier")
@blp.response(200, VerifierSchema)
def get_verifier() -> flask.Response:
    """The verifier wheel to install without a checkout: `pipx install` its address gives the
    `fundtrail verify` command and nothing else."""
    wheel = verifier_wheel()
    body = VerifierSchema().dump(
        {
            "filename": wheel.filename,
            "version": wheel.version,
            "sha256": wheel.sha256,
            "path": flask.url_for("verifier_files.wheel", filename=wheel.filename),
        }
    )
    response = flask.jsonify(body)
    # The wheel changes only with a new release of the ledger.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@files.get("/verifier/<string:filename>")
def wheel(filename: str) -> flask.Response:
    """The wheel, under its own name only; its name holds its contents' hash, so it is kept."""
    built = verifier_wheel()
    if filename != built.filename:
        flask.abort(404)
    response = flask.Response(built.content, content_type=WHEEL_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
