"""The ledger service's Flask app factory."""

from __future__ import annotations

from typing import Any

import flask

from services.ledger import signing
from services.ledger.adapters.receipts import FileSystemReceiptStore
from services.ledger.api import BLUEPRINTS
from services.ledger.api import errors as ledger_errors
from services.ledger.api.blueprint import LedgerContext
from services.ledger.bootstrap import SERVICE
from services.ledger.settings import LedgerSettings
from shared.web.app import build_app

#: Room for the expense's other form fields and the multipart framing around the receipt.
FORM_OVERHEAD = 1024 * 1024


def create_app(test_config: dict[str, Any] | None = None) -> flask.Flask:
    app = build_app(SERVICE, __name__, test_config=test_config)
    context = app.extensions["fundtrail"]
    settings = LedgerSettings.load(context.settings)
    log_signing = signing.LogSigning.from_settings(context.settings)
    context.extra["ledger"] = LedgerContext(
        settings=settings,
        signing=log_signing,
        receipts=FileSystemReceiptStore(settings.receipts_dir),
    )
    app.config["MAX_CONTENT_LENGTH"] = settings.receipt_max_bytes + FORM_OVERHEAD
    for blueprint in BLUEPRINTS:
        context.api.register_blueprint(blueprint)
    ledger_errors.register(app)
    return app
