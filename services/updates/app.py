"""The updates service's Flask app factory."""

from __future__ import annotations

from typing import Any

import flask

from services.updates.api import blp as campaigns_blp
from services.updates.bootstrap import UpdatesDependencies, bootstrap
from shared.web.app import build_app


def create_app(
    test_config: dict[str, Any] | None = None, dependencies: UpdatesDependencies | None = None
) -> flask.Flask:
    """The updates app on `dependencies` (built from the environment when not given).

    `test_config` may hold Flask settings and, under "SETTINGS", overrides of `Settings`.
    """
    test_config = dict(test_config or {})
    dependencies = dependencies or bootstrap(test_config.pop("SETTINGS", None))
    return build_app(dependencies, __name__, blueprints=(campaigns_blp,), test_config=test_config)
