"""The skeleton every service's `create_app` builds on (Flask's app-factory pattern)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import flask
from flask_smorest.spec.plugins import integerconverter2paramschema
from prometheus_client import CollectorRegistry
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from shared.errors import FAMILY_STATUSES, DomainError
from shared.files import StorageFull
from shared.logging import configure_logging, get_logger
from shared.web import access_log
from shared.web.api import Blueprint, api_config, make_api
from shared.web.fields import MAX_LOG_POSITION
from shared.web.headers import add_security_headers
from shared.web.me import me_blp
from shared.web.ops import (
    ReadinessCheck,
    database_check,
    instrument,
    kafka_check,
    make_ops_blueprint,
)
from shared.web.problems import (
    DATABASE_UNAVAILABLE,
    database_unavailable,
    http_exception_to_problem,
    problem_response,
    refusal_handler,
    storage_full,
)

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies

log = get_logger(__name__)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` with an upper bound by default: a number past it matches no route (404)
    instead of overflowing a 64-bit database column (500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_LOG_POSITION)
        super().__init__(map, *args, **kwargs)


def build_app(
    dependencies: Dependencies,
    import_name: str,
    *,
    blueprints: Sequence[Blueprint] = (),
    test_config: dict[str, Any] | None = None,
    me_blueprint: Blueprint = me_blp,
) -> flask.Flask:
    """A Flask app for the service `dependencies` were built for: API docs, errors, health.

    Routes reach the dependencies through `current_dependencies()`; `test_config` holds Flask
    settings only (a test changes the service's own settings through its bootstrap).
    """
    settings = dependencies.settings
    configure_logging(settings.log_format)

    app = flask.Flask(import_name)
    # Before any route is added: every `<int:...>` path parameter is bounded (see the class).
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.update(api_config(f"Fundtrail {dependencies.spec.name}", "1.0.0"))
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    # Keep fields in schema order: responses read top to bottom as documented.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update(test_config or {})
    app.extensions["fundtrail"] = dependencies
    access_log.install(app)

    api = make_api(app)
    api.register_converter(BoundedIntConverter, integerconverter2paramschema)
    # The pledges service owns accounts and answers `/me` with the whole account instead.
    for blueprint in (me_blueprint, *blueprints):
        api.register_blueprint(blueprint)
    readiness: dict[str, ReadinessCheck] = {
        "database": database_check(dependencies.engine),
        "kafka": kafka_check(settings.kafka_bootstrap_servers),
    }
    registry = CollectorRegistry()
    app.register_blueprint(make_ops_blueprint(readiness, registry))
    instrument(app, registry)
    app.after_request(add_security_headers)

    # Errors raised outside smorest's reach (unknown routes, 405s, aborts in plain blueprints).
    app.register_error_handler(HTTPException, http_exception_to_problem)
    app.register_error_handler(DomainError, refusal_handler(FAMILY_STATUSES))
    for unavailable in DATABASE_UNAVAILABLE:
        app.register_error_handler(unavailable, database_unavailable)
    app.register_error_handler(StorageFull, storage_full)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> flask.Response:
        log.exception("request.failed", path=access_log.loggable_path())
        return problem_response(500, "The server failed to handle the request; it has been logged.")

    return app


def current_dependencies() -> Dependencies:
    """The composition root of the app serving this request."""
    dependencies: Dependencies = flask.current_app.extensions["fundtrail"]
    return dependencies
