"""What each container of infra/docker-compose.yml gets: its own keys, its own database role,
and no way in from the host to Kafka or PostgreSQL. There is no Docker here, so the file itself
is read (PyYAML) and checked against what each service needs and nothing more."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

INFRA = Path(__file__).resolve().parents[3] / "infra"
SERVICES = ("pledges", "ledger", "updates")
#: Every container running Fundtrail code, by the service whose data it works on.
CONTAINERS = {name: service for service in SERVICES for name in (service, f"{service}-worker")}
#: The Ed25519 token key's public half, written by pledges, read by the others.
TOKEN_PUBLIC = "token-public-key"
#: A service's database URL, its password left for compose to fill in from the environment.
DATABASE_URL = re.compile(
    r"postgresql\+psycopg://(?P<user>\w+):(?P<password>\$\{[^}]+\})@postgres:5432/(?P<database>\w+)"
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((INFRA / "docker-compose.yml").read_text())
    return document


def mounts(container: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """{named volume or bind source: (where, read-only)} of a container's `volumes`."""
    found = {}
    for entry in container.get("volumes", []):
        source, target, *options = entry.split(":")
        found[source] = (target, "ro" in options)
    return found


def env(container: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in container.get("environment", {}).items()}


def test_only_pledges_holds_the_token_signing_key(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in CONTAINERS.items():
        held = mounts(services[name])
        assert held[f"{service}-keys"] == ("/app/var/keys", False), name
        # No one else's private keys: each keys volume is its own service's.
        others = {f"{other}-keys" for other in SERVICES if other != service}
        assert not others & set(held), name
        public_path, read_only = held[TOKEN_PUBLIC]
        assert read_only is (service != "pledges"), name  # pledges writes it, the rest read it
        variables = env(services[name])
        assert variables["FUNDTRAIL_TOKEN_PUBLIC_KEY_FILE"].startswith(public_path + "/"), name
        if service != "pledges":
            # The signing key's default path lies in their own keys volume, where it is not.
            assert "FUNDTRAIL_TOKEN_KEY_FILE" not in variables, name


def test_every_volume_is_mounted_only_where_it_is_needed(compose: dict[str, Any]) -> None:
    users: dict[str, set[str]] = {}
    for name, container in compose["services"].items():
        for source in mounts(container):
            if not source.startswith("."):
                users.setdefault(source, set()).add(name)
    expected = {
        TOKEN_PUBLIC: set(CONTAINERS),
        **{f"{s}-keys": {s, f"{s}-worker"} for s in SERVICES},
        **{f"{s}-var": {s, f"{s}-worker"} for s in SERVICES},
        "kafka-data": {"kafka"},
        "postgres-data": {"postgres"},
    }
    assert users == expected
    assert set(compose["volumes"]) == set(expected)
    assert "token-keys" not in compose["volumes"]  # the old volume holding every key


def test_each_service_logs_in_as_its_own_role_to_its_own_database(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name, service in CONTAINERS.items():
        variables = env(services[name])
        urls = {k: v for k, v in variables.items() if k.endswith("DATABASE_URL")}
        assert list(urls) == [f"{service.upper()}_DATABASE_URL"], name
        url = DATABASE_URL.fullmatch(urls[f"{service.upper()}_DATABASE_URL"])
        assert url is not None, urls
        assert url["user"] == f"fundtrail_{service}", name
        variable = f"{service.upper()}_DB_PASSWORD"
        assert url["password"] == f"${{{variable}:?{variable}}}", name
        assert url["database"] == f"fundtrail_{service}", name
        # Never the superuser's password, nor another service's.
        secrets = " ".join(variables.values())
        assert "POSTGRES_PASSWORD" not in secrets, name
        for other in SERVICES:
            if other != service:
                assert f"{other.upper()}_DB_PASSWORD" not in secrets, name


def test_the_superuser_password_is_the_operators_and_only_postgres_has_it(
    compose: dict[str, Any],
) -> None:
    postgres = env(compose["services"]["postgres"])
    assert postgres["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD}"
    # The init script makes the services' roles with their passwords, read from its environment.
    for service in SERVICES:
        variable = f"{service.upper()}_DB_PASSWORD"
        assert postgres[variable] == f"${{{variable}:?{variable}}}"
    for name, container in compose["services"].items():
        if name != "postgres":
            assert "POSTGRES_PASSWORD" not in " ".join(env(container).values()), name


def test_the_init_script_gives_each_role_only_its_own_database() -> None:
    sql = (INFRA / "postgres" / "init-databases.sql").read_text()
    # SQL only: comments and psql's own commands (\getenv, \set) left out.
    plain = re.sub(r"--[^\n]*|^\\[^\n]*", "", sql, flags=re.MULTILINE)
    statements = [s.strip() for s in plain.split(";") if s.strip()]
    for service in SERVICES:
        role = database = f"fundtrail_{service}"
        assert f"\\getenv {service}_password {service.upper()}_DB_PASSWORD" in sql
        (create,) = [s for s in statements if s.startswith(f"CREATE ROLE {role} ")]
        assert re.search(rf"\bLOGIN\b.*PASSWORD :'{service}_password'", create), create
        for power in ("SUPERUSER", "CREATEDB", "CREATEROLE", "BYPASSRLS", "REPLICATION"):
            assert re.search(rf"\b{power}\b", create) is None or f"NO{power}" in create
        assert f"CREATE DATABASE {database} OWNER {role}" in statements
        assert f"REVOKE ALL ON DATABASE {database} FROM PUBLIC" in statements
    # No role is granted into another's database.
    assert not [s for s in statements if s.startswith("GRANT")]


def test_kafka_and_postgres_are_reachable_only_inside_the_compose_network(
    compose: dict[str, Any],
) -> None:
    services, networks = compose["services"], compose["networks"]
    for name in ("kafka", "postgres"):
        assert "ports" not in services[name], name
        attached = services[name]["networks"]
        assert all(networks[network].get("internal") is True for network in attached), name
    kafka = env(services["kafka"])
    # One client listener, inside the network; no listener advertised for the host.
    assert "localhost" not in kafka["KAFKA_ADVERTISED_LISTENERS"]
    assert "HOST" not in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    for name in CONTAINERS:
        assert "backend" in services[name]["networks"], name
        assert env(services[name])["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092", name
    # Workers serve nothing: they publish no port.
    for service in SERVICES:
        assert "ports" not in services[f"{service}-worker"]
        (port,) = services[service]["ports"]
        assert port.startswith("127.0.0.1:"), port
