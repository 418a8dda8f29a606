"""The OpenAPI document describes every pledges endpoint, its schemas and its error responses."""

from __future__ import annotations

import re
from typing import Any

import flask
from flask.testing import FlaskClient

#: (method, path) → the error statuses it must document, besides its success.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("post", "/api/v1/campaigns"): {"201", "401", "403", "415", "422"},
    ("get", "/api/v1/campaigns"): {"200", "422"},
    ("get", "/api/v1/campaigns/{campaign_id}"): {"200", "404"},
    ("patch", "/api/v1/campaigns/{campaign_id}"): {"200", "401", "403", "404", "409", "415", "422"},
    ("post", "/api/v1/campaigns/{campaign_id}/launch"): {"200", "401", "403", "404", "409", "422"},
    ("post", "/api/v1/campaigns/{campaign_id}/cancel"): {"200", "401", "403", "404", "409"},
    ("post", "/api/v1/campaigns/{campaign_id}/settle"): {"200", "401", "403", "404", "409"},
    ("post", "/api/v1/campaigns/{campaign_id}/pledges"): {
        "200",
        "201",
        "401",
        "403",
        "404",
        "409",
        "415",
        "422",
    },
    ("get", "/api/v1/pledges/{pledge_id}"): {"200", "401", "403", "404"},
    ("patch", "/api/v1/pledges/{pledge_id}"): {"200", "401", "403", "404", "409", "415", "422"},
    ("post", "/api/v1/pledges/{pledge_id}/cancel"): {"200", "401", "403", "404", "409"},
    ("post", "/api/v1/pledges/{pledge_id}/refund"): {
        "200",
        "401",
        "403",
        "404",
        "409",
        "415",
        "422",
    },
    ("get", "/api/v1/me/pledges"): {"200", "401", "422"},
    ("get", "/api/v1/me/campaigns"): {"200", "401", "422"},
    ("get", "/api/v1/me/email-verification"): {"200", "401", "404"},
    ("post", "/api/v1/me/email-verification"): {"202", "401", "404", "409", "429"},
    ("get", "/api/v1/campaigns/{campaign_id}/pledges"): {"200", "401", "403", "404", "422"},
    ("get", "/api/v1/payments"): {"200"},
}


def spec_of(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json
    return spec


def test_every_pledges_endpoint_is_described_with_its_responses(client: FlaskClient) -> None:
    spec = spec_of(client)
    for (method, path), statuses in EXPECTED.items():
        operation = spec["paths"].get(path, {}).get(method)
        assert operation is not None, f"{method.upper()} {path} is not in the spec"
        assert statuses <= set(operation["responses"]), (method, path, operation["responses"])
        assert operation.get("summary") or operation.get("description"), (method, path)
        for status, response in operation["responses"].items():
            if not status.startswith("4"):
                continue
            if "$ref" in response:  # smorest's own 422 for query strings
                response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
            content = response["content"]["application/problem+json"]
            assert content["schema"]["$ref"].endswith("/Problem"), (method, path, status)


def test_every_json_route_the_app_serves_is_in_the_spec(
    app: flask.Flask, client: FlaskClient
) -> None:
    documented = {
        (method.upper(), path)
        for path, operations in spec_of(client)["paths"].items()
        for method in operations
        if method in {"get", "post", "patch", "put", "delete"}
    }
    served = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and "/docs" not in rule.rule
        and not rule.rule.endswith("openapi.json")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert served <= documented, served - documented


def test_bodies_and_answers_have_schemas_and_the_idempotency_key_is_documented(
    client: FlaskClient,
) -> None:
    spec = spec_of(client)
    schemas = spec["components"]["schemas"]
    make = spec["paths"]["/api/v1/campaigns/{campaign_id}/pledges"]["post"]
    body_ref = make["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schemas[body_ref.rsplit("/", 1)[-1]]
    assert {"amount", "tier_id", "currency"} <= set(body["properties"])
    assert "amount" in body["required"]
    answer_ref = make["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    answer = schemas[answer_ref.rsplit("/", 1)[-1]]
    assert {"id", "status", "amount", "currency", "tier_id"} <= set(answer["properties"])
    headers = [p for p in make.get("parameters", []) if p["in"] == "header"]
    assert [p["name"] for p in headers] == ["Idempotency-Key"]
    assert headers[0]["schema"]["maxLength"] == 255

    campaign = schemas["CampaignOut"]["properties"]
    assert {"funded_percent", "seconds_left", "pledged_amount", "backers_count", "tiers"} <= set(
        campaign
    )
    assert campaign["funded_percent"]["type"] == "integer"
    refund = spec["paths"]["/api/v1/pledges/{pledge_id}/refund"]["post"]
    refund_ref = refund["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schemas[refund_ref.rsplit("/", 1)[-1]]["required"] == ["reason"]
