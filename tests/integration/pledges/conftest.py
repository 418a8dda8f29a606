"""Fixtures for the pledges API tests: an app on a database, its clock, a creator, a backer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient

from tests.factories import make_app
from tests.integration.pledges.helpers import Account, MovableClock, install_clock, new_account


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    app = make_app("pledges", database_url, tmp_path)
    yield app
    app.extensions["fundtrail"].engine.dispose()


@pytest.fixture
def clock(app: flask.Flask) -> MovableClock:
    return install_clock(app)


@pytest.fixture
def client(app: flask.Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def creator(app: flask.Flask) -> Account:
    return new_account(app, "creator")


@pytest.fixture
def backer(app: flask.Flask) -> Account:
    return new_account(app, "backer")
