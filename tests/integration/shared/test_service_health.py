"""/healthz, /readyz and /metrics on each service."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.registry import NAMES
from tests.factories import make_app


@pytest.mark.parametrize("service", NAMES)
def test_ready_only_when_database_and_kafka_answer(
    service: str, sqlite_url: str, tmp_path: Path, kafka_bootstrap: str
) -> None:
    ready = make_app(service, sqlite_url, tmp_path, kafka=kafka_bootstrap).test_client()
    assert ready.get("/healthz").json == {"status": "ok"}
    assert ready.get("/readyz").json == {"status": "ready", "checks": ["database", "kafka"]}

    no_kafka = make_app(service, sqlite_url, tmp_path, kafka="localhost:1").test_client()
    response = no_kafka.get("/readyz")
    assert response.status_code == 503
    assert list(response.json["errors"]) == ["kafka"]
    assert no_kafka.get("/healthz").status_code == 200  # up, just not ready


def test_not_ready_without_its_database(tmp_path: Path, kafka_bootstrap: str) -> None:
    from services.ledger.app import create_app
    from tests.factories import service_settings

    settings = service_settings(
        "ledger",
        "postgresql+psycopg://nobody:wrong@127.0.0.1:1/none",
        tmp_path,
        kafka=kafka_bootstrap,
    )
    client = create_app({"TESTING": True, "SETTINGS": settings}).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "database unreachable" in response.json["errors"]["database"][0]


def test_metrics_count_requests_by_route(sqlite_url: str, tmp_path: Path) -> None:
    client = make_app("updates", sqlite_url, tmp_path).test_client()
    client.get("/api/v1/campaigns/00000000-0000-4000-8000-000000000000")
    text = client.get("/metrics").get_data(as_text=True)
    assert (
        'http_requests_total{method="GET",route="/api/v1/campaigns/<uuid:campaign_id>",'
        'status="404"} 1.0'
    ) in text


def test_every_answer_names_its_request(sqlite_url: str, tmp_path: Path) -> None:
    client = make_app("pledges", sqlite_url, tmp_path).test_client()
    minted = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", minted)
    assert client.get("/healthz").headers["X-Request-ID"] != minted
    kept = client.get("/healthz", headers={"X-Request-ID": "trace-42.a_b"})
    assert kept.headers["X-Request-ID"] == "trace-42.a_b"
    hostile = client.get("/healthz", headers={"X-Request-ID": "x\u2028<script>" + "y" * 200})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["X-Request-ID"])


@pytest.mark.parametrize("service", NAMES)
def test_every_route_that_needs_a_token_documents_the_401(
    service: str, sqlite_url: str, tmp_path: Path
) -> None:
    spec = make_app(service, sqlite_url, tmp_path).test_client().get("/api/v1/openapi.json").json
    guarded = [
        (path, method, operation)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and operation.get("security")
    ]
    assert guarded  # at least /me
    for path, method, operation in guarded:
        answer = operation["responses"].get("401")
        assert answer is not None, f"{method.upper()} {path} does not document its 401"
        assert "application/problem+json" in answer["content"], (method, path)
