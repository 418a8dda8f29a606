"""Fixtures for real parts: one Kafka broker per test run, PostgreSQL and SQLite databases.

Outside CI a missing Java or PostgreSQL skips the tests that need it, saying why; with CI=true
they fail instead, so a green CI run really ran them.
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from shared.db import make_engine

IN_CI = os.environ.get("CI", "").lower() == "true"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://fundtrail:fundtrail@localhost:5432/postgres"


def unavailable(reason: str) -> None:
    """Skip, or in CI fail: a test that needs a real service must not pass without it."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: needed services must be present)", pytrace=False)
    pytest.skip(reason)


# --- CPython 3.11's AST constructor -----------------------------------------------------------


def _one_ast_parse_at_a_time() -> None:
    """CPython 3.11 counts the AST constructor's recursion in one interpreter-wide counter, so
    two threads in `ast.parse` at once can fail with "SystemError: AST constructor recursion
    depth mismatch" (python/cpython#106905, fixed in 3.12). Werkzeug parses each URL rule as it
    is added, and the tests build apps while other tests' servers and workers run in threads:
    it failed a full run once. The services build their apps once, before serving."""
    if sys.version_info >= (3, 12):
        return
    lock, parse = threading.RLock(), ast.parse

    def parse_alone(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    ast.parse = parse_alone


_one_ast_parse_at_a_time()


# --- the fault suite's tallies --------------------------------------------------------------


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Every fault test's line (`R3 kill -9 …: produced=… lost=0 duplicated=0`) in one list at
    the end of the run, in fault order: under pytest-xdist the lines come from the workers as
    user properties (tests/faults/fault_support.py records them)."""
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == "fault"
    ]
    if not lines:
        return

    def fault_order(line: str) -> tuple[int, str]:
        number = line.split(" ", 1)[0].removeprefix("R")
        return (int(number) if number.isdigit() else 0, line)

    terminalreporter.section("fault suite")
    for line in sorted(lines, key=fault_order):
        terminalreporter.write_line(line)


# --- Kafka -----------------------------------------------------------------------------------

_SHARED_BROKER_KEY = pytest.StashKey[Any]()


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`-n`), one broker for all workers: started here, in the controller,
    before the workers are spawned, and handed to them as $KAFKA_BOOTSTRAP_SERVERS (which the
    `kafka_bootstrap` fixture uses as it would any external broker)."""
    parallel = getattr(config.option, "numprocesses", None)
    if hasattr(config, "workerinput") or not parallel or os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return
    from infra.broker import LocalBroker, ensure_topics, find_free_port, jar_dir
    from shared.topics import ALL_TOPICS

    directory = Path(tempfile.mkdtemp(prefix="fundtrail-test-kafka-"))
    broker = LocalBroker(directory, port=find_free_port(), controller_port=find_free_port())
    try:
        broker.libs = jar_dir()
        broker.start()
        ensure_topics(broker.bootstrap_servers, ALL_TOPICS)
    except Exception as exc:  # noqa: BLE001  (any failure: the fixture reports it in each test)
        broker.stop()
        shutil.rmtree(directory, ignore_errors=True)
        config.stash[_SHARED_BROKER_KEY] = None
        os.environ["FUNDTRAIL_TEST_KAFKA_UNAVAILABLE"] = f"could not start Kafka: {exc}"
        return
    config.stash[_SHARED_BROKER_KEY] = (broker, directory)
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers


def pytest_unconfigure(config: pytest.Config) -> None:
    shared = config.stash.get(_SHARED_BROKER_KEY, None)
    if shared is not None:
        broker, directory = shared
        broker.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Apache Kafka: $KAFKA_BOOTSTRAP_SERVERS, or a local broker started for this run."""
    from infra.broker import LocalBroker, ensure_topics, find_free_port, jar_dir
    from shared.topics import ALL_TOPICS

    failed = os.environ.get("FUNDTRAIL_TEST_KAFKA_UNAVAILABLE")
    if failed:
        unavailable(failed)
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        ensure_topics(external, ALL_TOPICS)
        yield external
        return
    broker = LocalBroker(
        tmp_path_factory.mktemp("kafka"), port=find_free_port(), controller_port=find_free_port()
    )
    try:
        broker.libs = jar_dir()
        broker.start()
    except Exception as exc:  # noqa: BLE001  (any failure to start means no broker)
        broker.stop()
        unavailable(f"could not start a local Kafka broker: {exc}")
    try:
        ensure_topics(broker.bootstrap_servers, ALL_TOPICS)
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture
def topic(kafka_bootstrap: str) -> str:
    """A fresh topic (and its dead-letter twin) so tests never see each other's messages."""
    from infra.broker import ensure_topics
    from shared.topics import dead_letter_topic

    name = f"test-{uuid.uuid4().hex[:12]}"
    ensure_topics(kafka_bootstrap, [name, dead_letter_topic(name)])
    return name


# --- passwords -------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """argon2id at its cheapest for every sign-up and sign-in in this process: production's
    parameters (64 MiB, three passes) cost a second and more a hash on a loaded test machine.
    tests/unit/pledges/test_pledges_password_hashing.py checks production's parameters."""
    import argon2

    from services.pledges.adapters.accounts import Argon2Passwords
    from services.pledges.handlers import sign_up

    cheapest = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    sign_up._passwords = Argon2Passwords(cheapest)
    yield
    sign_up._passwords = None


# --- Stripe ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def stripe_mock() -> Iterator[str]:
    """Stripe's own mock server on free local ports, for this run (under pytest-xdist, one per
    worker: it is stateless, so nothing is gained by sharing it): its base URL."""
    from tests.stripe_support import STRIPE_MOCK_MODULE, StripeMock, stripe_mock_binary

    binary = stripe_mock_binary()
    if binary is None:
        unavailable(f"no stripe-mock: `go install {STRIPE_MOCK_MODULE}` builds it (make test does)")
        return
    mock = StripeMock(binary)
    try:
        url = mock.start()
    except RuntimeError as exc:
        unavailable(str(exc))
        return
    try:
        yield url
    finally:
        mock.stop()


# --- databases -------------------------------------------------------------------------------

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("FUNDTRAIL_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        unavailable(f"no PostgreSQL at {engine.url!r}: {exc.orig}")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_database_factory(postgres_admin_url: str) -> Iterator[Callable[[], str]]:
    """Makes new, empty PostgreSQL databases; drops them after the test."""
    admin = make_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"fundtrail_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        url = sa.make_url(postgres_admin_url).set(database=name)
        return url.render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in made:
            _drop_database(connection, name)
    admin.dispose()


def _drop_database(connection: sa.Connection, name: str, attempts: int = 10) -> None:
    """Drop a test database, waiting out an autovacuum worker our role may not terminate."""
    for attempt in range(attempts):
        try:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except sa.exc.ProgrammingError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


@pytest.fixture
def postgres_url(postgres_database_factory: Callable[[], str]) -> str:
    """A new, empty PostgreSQL database, dropped after the test."""
    return postgres_database_factory()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    """`sqlite` or `postgresql`: see `pytest_generate_tests` for which tests get both."""
    kind: str = request.param
    return kind


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test on a database runs on SQLite (the embedded default) alone, unless it is marked
    `both_databases`, when it runs on SQLite and on PostgreSQL. Ask for both where the database
    is what is tested: repositories, migrations, the unit of work, concurrency and locking, the
    outbox and inbox, idempotency records, constraints, SQL aggregates, and anything that once
    had a bug on one database only. Pages, mail wording, rendering, HTTP validation refused
    before any query, and argument parsing do not depend on the database: one is enough.

    (Added as a parametrize mark, before pytest reads the marks, so it takes the place of the
    fixture's own two parameters and the test keeps its [sqlite] id.)"""
    if "database_kind" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("both_databases") is None:
        metafunc.definition.add_marker(
            pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
        )


@pytest.fixture
def database_url(request: pytest.FixtureRequest, database_kind: str) -> str:
    """A new, empty database of the test's kind (see `pytest_generate_tests`)."""
    if database_kind == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")
