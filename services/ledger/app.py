"""The ledger service's Flask app factory."""

from __future__ import annotations

from typing import Any

import flask

from services.ledger.api import blp as campaigns_blp
from services.ledger.bootstrap import SERVICE
from shared.web.app import build_app


def create_app(test_config: dict[str, Any] | None = None) -> flask.Flask:
    app = build_app(SERVICE, __name__, test_config=test_config)
    app.extensions["fundtrail"].api.register_blueprint(campaigns_blp)
    return app
