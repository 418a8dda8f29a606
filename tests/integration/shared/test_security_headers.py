"""Every service's answers carry nosniff and a policy that lets nothing load, run or frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.registry import NAMES
from shared.web.headers import DEFAULT_POLICY
from tests.factories import make_app


@pytest.mark.parametrize("service", NAMES)
def test_every_service_locks_down_its_answers_and_its_refusals(
    service: str, sqlite_url: str, tmp_path: Path
) -> None:
    client = make_app(service, sqlite_url, tmp_path).test_client()
    for path, status in (("/healthz", 200), ("/api/v1/openapi.json", 200), ("/nowhere", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Content-Security-Policy"] == DEFAULT_POLICY, path
    assert "default-src 'none'" in DEFAULT_POLICY and "frame-ancestors 'none'" in DEFAULT_POLICY
