"""flask-smorest wired for Fundtrail: problem+json errors, strict JSON bodies, offline API docs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask
import flask_smorest
import flask_swagger_ui
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from shared.web.auth import requires_role
from shared.web.problems import PROBLEM_JSON, Problem, ProblemSchema, http_exception_to_problem

API_PREFIX = "/api/v1"
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
SWAGGER_UI_ASSETS = Path(flask_swagger_ui.__file__).parent / "dist"


class StrictJsonParser(FlaskParser):
    """Refuses a body that is not JSON (415) instead of reading it as "no fields at all"."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            raise Problem(
                415,
                f"The body must be application/json, not {req.mimetype or 'nothing'}.",
                errors={"Content-Type": ["must be application/json"]},
            )
        return core.parse_json(req.get_data(cache=True))


class Blueprint(flask_smorest.Blueprint):
    """A smorest blueprint whose JSON bodies go through the strict parser."""

    ARGUMENTS_PARSER = StrictJsonParser()

    def authenticated(self, *roles: str) -> Callable[[Any], Any]:
        """The route needs a bearer token (of one of `roles`, when given), checked before its
        body is read, and its documentation says so: the security scheme and the 401."""

        def decorate(view: Any) -> Any:
            guarded = requires_role(*roles)(view)
            documented = self.problem(401, "No valid token, or its account was revoked")(guarded)
            return self.doc(security=BEARER)(documented)

        return decorate

    def problem(self, status: int, description: str) -> Callable[[Any], Any]:
        """Document an error answer: RFC 9457 problem+json, saying when it happens."""
        return self.alt_response(
            status, schema=ProblemSchema, content_type=PROBLEM_JSON, description=description
        )


class ProblemApi(flask_smorest.Api):
    """smorest's Api, answering every HTTP error as RFC 9457 problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: Any) -> flask.Response:  # type: ignore[override]
        return http_exception_to_problem(error)


def api_config(title: str, version: str) -> dict[str, Any]:
    """The Flask config that makes smorest serve the spec and docs under /api/v1."""
    return {
        "API_TITLE": title,
        "API_VERSION": version,
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": API_PREFIX,
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Served from the installed package below, not a CDN: the docs work offline.
        "OPENAPI_SWAGGER_UI_URL": f"{API_PREFIX}/docs/assets/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
        },
    }


def make_api(app: flask.Flask) -> ProblemApi:
    api = ProblemApi(app)
    docs_assets = flask.Blueprint("docs_assets", __name__)

    @docs_assets.get(f"{API_PREFIX}/docs/assets/<path:filename>")
    def swagger_ui_asset(filename: str) -> flask.Response:
        return flask.send_from_directory(SWAGGER_UI_ASSETS, filename)

    app.register_blueprint(docs_assets)
    return api
