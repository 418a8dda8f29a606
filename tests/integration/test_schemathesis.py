"""Every operation of every service's OpenAPI, fuzzed by schemathesis on SQLite and PostgreSQL:
valid and invalid requests, anonymous and with each role's token, must never answer a 5xx; and
every documented 4xx answer is problem+json."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import flask
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from tests.factories import issue_token, make_app

pytestmark = pytest.mark.both_databases

SPEC = "/api/v1/openapi.json"
PROBLEM_JSON = "application/problem+json"
SERVICES = ["pledges", "ledger", "updates"]
ROLES = ["creator", "backer", "auditor", "admin"]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

#: Bounded and repeatable: each operation is tried this often, with the same inputs every run.
FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(params=SERVICES)
def service_app(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Any:
    app: flask.Flask = make_app(request.param, database_url, tmp_path)
    yield app, tmp_path
    app.extensions["fundtrail"].engine.dispose()


def test_no_request_gets_a_server_error(service_app: tuple[flask.Flask, Path]) -> None:
    app, var_dir = service_app
    schema = schemathesis.openapi.from_wsgi(SPEC, app)
    # No token, a bad one, or a valid token of each role: routes are exercised past their guard.
    tokens = [None, "not-a-token", *(issue_token(var_dir, role, uuid.uuid4()) for role in ROLES)]
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = st.one_of(
            operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
        )

        @FUZZ
        @given(case=cases, token=st.sampled_from(tokens))
        def fuzz(case: Any, token: str | None) -> None:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as exc:  # noqa: BLE001  (collect every operation's failure, then fail)
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_every_documented_client_error_is_problem_json(
    service_app: tuple[flask.Flask, Path],
) -> None:
    app, _ = service_app
    spec = app.test_client().get(SPEC).json
    shared = spec.get("components", {}).get("responses", {})
    wrong: list[str] = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue  # a path item's shared `parameters`, not an operation
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("4"):
                    continue
                if "$ref" in response:
                    response = shared[response["$ref"].rsplit("/", 1)[-1]]
                media_types = set(response.get("content", {}))
                if media_types != {PROBLEM_JSON}:
                    wrong.append(f"{method.upper()} {path} {status}: {sorted(media_types)}")
    assert not wrong, wrong
