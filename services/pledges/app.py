"""The pledges service's Flask app factory."""

from __future__ import annotations

from typing import Any

import flask

from services.pledges.api import BLUEPRINTS
from services.pledges.api import errors as domain_errors
from services.pledges.bootstrap import SERVICE
from services.pledges.domain import RecordOnlyGateway
from services.pledges.handlers import utc_now
from shared.auth import TokenIssuer, load_or_create_signing_key
from shared.web.app import build_app


def create_app(test_config: dict[str, Any] | None = None) -> flask.Flask:
    """The pledges app. Its context's `extra` holds the `clock` every handler reads (tests may
    replace it to stand after a deadline) and the `payment_gateway_factory` (record-only:
    Fundtrail processes no cards; see services/pledges/README.md)."""
    app = build_app(SERVICE, __name__, test_config=test_config)
    context = app.extensions["fundtrail"]
    context.extra["clock"] = utc_now
    context.extra["payment_gateway_factory"] = RecordOnlyGateway
    context.extra["token_issuer"] = TokenIssuer(
        load_or_create_signing_key(context.settings.token_signing_key_file)
    )
    for blueprint in BLUEPRINTS:
        context.api.register_blueprint(blueprint)
    domain_errors.register(app)
    return app
