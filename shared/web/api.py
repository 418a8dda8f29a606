"""flask-smorest wired for Fundtrail: problem+json errors, strict JSON bodies, offline API docs."""

from __future__ import annotations

import http
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask
import flask_smorest
import flask_swagger_ui
from flask_smorest.utils import prepare_response
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from shared.web.auth import requires_role
from shared.web.problems import PROBLEM_JSON, Problem, ProblemSchema, http_exception_to_problem

API_PREFIX = "/api/v1"
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
#: A public read that a token may personalise (e.g. shows the caller's own drafts).
PUBLIC_OR_BEARER: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]
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
        try:
            body = core.parse_json(req.get_data(cache=True))
        except json.JSONDecodeError:
            raise  # webargs answers malformed JSON itself (400)
        except RecursionError:
            raise Problem(
                400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."
            ) from None
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            raise Problem(400, f"The JSON body cannot be read: {exc}.") from None
        _refuse_unencodable(body)
        return body


#: How deep a JSON body may nest; Python's decoder stops near its recursion limit anyway.
MAX_JSON_DEPTH = 32


def _refuse_unencodable(body: Any) -> None:
    """Refuse a body that nests too deep or holds a lone surrogate (valid JSON, but no UTF-8
    text can hold it, so it could be neither stored nor sent on), naming where it is."""
    stack: list[tuple[Any, str, int]] = [(body, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise Problem(400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, str):
            if _has_surrogate(value):
                message = "must not contain a lone surrogate (it is not Unicode text)"
                raise Problem(
                    422, f"{path or '_body'}: {message}", errors={path or "_body": [message]}
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if _has_surrogate(key):
                    name = path or "_body"
                    message = "holds a field name with a lone surrogate"
                    raise Problem(422, f"{name}: {message}", errors={name: [message]})
                stack.append((item, name, depth + 1))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                stack.append((item, f"{path}.{index}" if path else str(index), depth + 1))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class Blueprint(flask_smorest.Blueprint):
    """A smorest blueprint whose JSON bodies go through the strict parser."""

    ARGUMENTS_PARSER = StrictJsonParser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        """smorest's `arguments`, with a schema class made into one instance for the route:
        given a class, webargs builds a new instance on every request, which costs more than
        loading the body. Loading keeps no state on the instance, so threads share it (as
        smorest's own response schemas are shared)."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)  # type: ignore[no-any-return]

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

    def _register_responses(self) -> None:
        """smorest's shared error responses (the 422 every `arguments` adds, the default), as
        the media type they are really sent with: problem+json."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            elif not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


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


MULTIPART = "multipart"


class MultipartParser(StrictJsonParser):
    """Adds the `multipart` location: form fields and files read together by one schema."""

    __location_map__ = {**StrictJsonParser.__location_map__, MULTIPART: "load_multipart"}

    def load_multipart(self, req: flask.Request, schema: Any) -> Any:
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class UploadBlueprint(Blueprint):
    """A blueprint whose routes may also read multipart bodies (receipts, pictures)."""

    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        MULTIPART: "multipart/form-data",
    }
