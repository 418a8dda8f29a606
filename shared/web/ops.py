"""/healthz, /readyz and /metrics: what an operator or an orchestrator asks a service."""

from __future__ import annotations

import os
import re
import socket
import time
import uuid
from collections.abc import Callable

import flask
import sqlalchemy as sa
import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.engine import Engine

from shared.web.problems import problem_response

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

ReadinessCheck = Callable[[], str | None]  # returns None when fine, else the reason


def database_check(engine: Engine) -> ReadinessCheck:
    def check() -> str | None:
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            return f"database unreachable: {exc.__class__.__name__}"
        return None

    return check


def kafka_check(bootstrap_servers: str, timeout: float = 1.0) -> ReadinessCheck:
    """Reachable when any bootstrap server accepts a TCP connection.

    The web process itself never talks to Kafka (it writes to the outbox), so a cheap
    connection test says what readiness needs: whether events can leave soon.
    """

    def check() -> str | None:
        for server in bootstrap_servers.split(","):
            host, _, port = server.strip().rpartition(":")
            try:
                with socket.create_connection((host or "localhost", int(port)), timeout=timeout):
                    return None
            except (OSError, ValueError):
                continue
        return f"kafka unreachable at {bootstrap_servers}"

    return check


def make_ops_blueprint(
    checks: dict[str, ReadinessCheck], registry: CollectorRegistry
) -> flask.Blueprint:
    blueprint = flask.Blueprint("ops", __name__)

    @blueprint.get("/healthz")
    def healthz() -> flask.Response:
        return flask.jsonify(status="ok")

    @blueprint.get("/readyz")
    def readyz() -> flask.Response:
        failures = {name: reason for name, check in checks.items() if (reason := check())}
        if failures:
            return problem_response(
                503, "; ".join(failures.values()), errors={k: [v] for k, v in failures.items()}
            )
        return flask.jsonify(status="ready", checks=sorted(checks))

    @blueprint.get("/metrics")
    def metrics() -> flask.Response:
        return flask.Response(generate_latest(_scraped(registry)), mimetype=CONTENT_TYPE_LATEST)

    return blueprint


def _scraped(registry: CollectorRegistry) -> CollectorRegistry:
    """What a scrape reads: this process's registry; or, when several gunicorn processes serve
    the app (`fundtrail serve --workers N` sets PROMETHEUS_MULTIPROC_DIR), the sum of all of
    them, which prometheus-client keeps in files there: otherwise each scrape would read only
    whichever process happened to answer it."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return registry
    every_process = CollectorRegistry()
    MultiProcessCollector(every_process)
    return every_process


def instrument(app: flask.Flask, registry: CollectorRegistry) -> None:
    """Count requests and time them, labelled by route (not raw path: ids would explode it)."""
    requests = Counter(
        "http_requests_total", "HTTP requests", ["method", "route", "status"], registry=registry
    )
    latency = Histogram(
        "http_request_duration_seconds",
        "HTTP request latency",
        ["method", "route"],
        registry=registry,
    )

    @app.before_request
    def start_request() -> None:
        flask.g.request_started = time.perf_counter()
        # Every log line of this request carries its id; a caller's own id is kept if sane.
        given = flask.request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        flask.g.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)

    @app.after_request
    def record(response: flask.Response) -> flask.Response:
        route = flask.request.url_rule.rule if flask.request.url_rule else "unmatched"
        requests.labels(flask.request.method, route, str(response.status_code)).inc()
        started = flask.g.get("request_started")
        if started is not None:
            latency.labels(flask.request.method, route).observe(time.perf_counter() - started)
        response.headers["X-Request-ID"] = flask.g.get("request_id", "")
        return response
