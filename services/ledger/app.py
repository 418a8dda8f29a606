"""The ledger service's Flask app factory."""

from __future__ import annotations

from typing import Any

import flask

from services.ledger.api import BLUEPRINTS
from services.ledger.api import errors as ledger_errors
from services.ledger.api.verifier import files as verifier_files
from services.ledger.bootstrap import LedgerDependencies, bootstrap
from services.ledger.pages import pages
from shared.web.app import build_app

#: Room for the expense's other form fields and the multipart framing around the receipt.
FORM_OVERHEAD = 1024 * 1024


def create_app(
    test_config: dict[str, Any] | None = None, dependencies: LedgerDependencies | None = None
) -> flask.Flask:
    """The ledger app on `dependencies` (built from the environment when not given).

    `test_config` may hold Flask settings and, under "SETTINGS", overrides of `Settings`.
    """
    test_config = dict(test_config or {})
    dependencies = dependencies or bootstrap(test_config.pop("SETTINGS", None))
    app = build_app(dependencies, __name__, blueprints=BLUEPRINTS, test_config=test_config)
    receipt_max_bytes = dependencies.ledger_settings.receipt_max_bytes
    app.config["MAX_CONTENT_LENGTH"] = receipt_max_bytes + FORM_OVERHEAD
    ledger_errors.register(app)
    # Pages for people: a plain blueprint, so outside the OpenAPI spec and /api/v1.
    app.register_blueprint(pages)
    app.register_blueprint(verifier_files)
    return app
