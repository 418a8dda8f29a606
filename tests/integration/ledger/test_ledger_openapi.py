"""The ledger's OpenAPI document describes every route of this issue, multipart body included."""

from __future__ import annotations

from tests.integration.ledger.ledger_support import Ledger


def test_every_ledger_route_is_in_the_openapi_document(ledger: Ledger) -> None:
    spec = ledger.client.get("/api/v1/openapi.json").json
    campaign = "/api/v1/campaigns/{campaign_id}"
    expected = {
        f"{campaign}/entries": "get",
        f"{campaign}/expenses": "post",
        f"{campaign}/entries/{{seq}}/reverse": "post",
        f"{campaign}/balance": "get",
        f"{campaign}/checkpoint": "get",
        f"{campaign}/checkpoints/{{tree_size}}": "get",
        f"{campaign}/proof/inclusion": "get",
        f"{campaign}/proof/consistency": "get",
        f"{campaign}/export.jsonl": "get",
        f"{campaign}/receipts/{{sha256}}": "get",
        "/api/v1/log/key": "get",
        "/api/v1/verifier": "get",
    }
    for path, method in expected.items():
        assert method in spec["paths"].get(path, {}), path
    body = spec["paths"][f"{campaign}/expenses"]["post"]["requestBody"]["content"]
    schema_name = body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    receipt = spec["components"]["schemas"][schema_name]["properties"]["receipt"]
    assert receipt == {"type": "string", "format": "binary", "description": "PDF, PNG or JPEG file"}
    assert ledger.client.get("/api/v1/docs").status_code == 200
