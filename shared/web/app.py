"""The skeleton every service's `create_app` builds on (Flask's app-factory pattern)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flask
import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from shared.auth import TokenVerifier, load_or_create_signing_key, parse_public_key, public_key_text
from shared.config import Settings
from shared.db import UnitOfWork, make_engine
from shared.logging import configure_logging, get_logger
from shared.service import ServiceSpec
from shared.web.api import ProblemApi, api_config, make_api
from shared.web.me import me_blp
from shared.web.ops import (
    ReadinessCheck,
    database_check,
    instrument,
    kafka_check,
    make_ops_blueprint,
)
from shared.web.problems import http_exception_to_problem, problem_response

log = get_logger(__name__)


@dataclass
class ServiceContext:
    """What a service's routes reach through `current_app.extensions["fundtrail"]`."""

    settings: Settings
    engine: Engine
    tables: dict[str, sa.Table]
    api: ProblemApi
    token_verifier: TokenVerifier
    uow_factory: Callable[[], UnitOfWork]
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def token_verifier(settings: Settings, engine: Engine, revoked: sa.Table) -> TokenVerifier:
    public_key = settings.token_public_key or public_key_text(
        load_or_create_signing_key(settings.token_signing_key_file)
    )

    def is_revoked(account_id: uuid.UUID) -> bool:
        with engine.connect() as connection:
            query = sa.select(revoked.c.account_id).where(revoked.c.account_id == account_id)
            return connection.execute(query).first() is not None

    return TokenVerifier(parse_public_key(public_key), is_revoked)


def build_app(
    spec: ServiceSpec, import_name: str, *, test_config: dict[str, Any] | None = None
) -> flask.Flask:
    """A Flask app for the service `spec` describes: engine, API docs, errors, tokens, health.

    `test_config` may hold Flask settings and, under "SETTINGS", overrides of `Settings`.
    """
    test_config = dict(test_config or {})
    service, tables = spec.name, spec.tables
    settings = Settings.load(service, test_config.pop("SETTINGS", None))
    configure_logging(settings.log_format)

    app = flask.Flask(import_name)
    app.config.update(api_config(f"Fundtrail {service}", "1.0.0"))
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    # Keep fields in schema order: responses read top to bottom as documented.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update(test_config)

    engine = make_engine(settings.database_url)
    api = make_api(app)
    registry = CollectorRegistry()
    context = ServiceContext(
        settings=settings,
        engine=engine,
        tables=tables,
        api=api,
        token_verifier=token_verifier(settings, engine, tables["revoked_accounts"]),
        uow_factory=spec.uow_factory(engine, settings),
        readiness={
            "database": database_check(engine),
            "kafka": kafka_check(settings.kafka_bootstrap_servers),
        },
    )
    app.extensions["fundtrail"] = context
    api.register_blueprint(me_blp)
    app.register_blueprint(make_ops_blueprint(context.readiness, registry))
    instrument(app, registry)

    # Errors raised outside smorest's reach (unknown routes, 405s, aborts in plain blueprints).
    app.register_error_handler(HTTPException, http_exception_to_problem)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> flask.Response:
        log.exception("request.failed", path=flask.request.path)
        return problem_response(500, "The server failed to handle the request; it has been logged.")

    return app


def service_context() -> ServiceContext:
    return flask.current_app.extensions["fundtrail"]
