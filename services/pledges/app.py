"""The pledges service's Flask app factory."""

from __future__ import annotations

from typing import Any

import flask

from services.pledges.api import BLUEPRINTS
from services.pledges.api.me import blp as me_blp
from services.pledges.bootstrap import PledgesDependencies, bootstrap
from services.pledges.domain.payment_provider import PaymentProviderError
from shared.logging import get_logger
from shared.web import pictures
from shared.web.app import build_app
from shared.web.problems import problem_response
from shared.web.proxies import TrustedProxyFix

log = get_logger(__name__)
#: Seconds a client should wait before asking again when the payment provider did not answer.
PROVIDER_RETRY_AFTER = "30"


def create_app(
    test_config: dict[str, Any] | None = None, dependencies: PledgesDependencies | None = None
) -> flask.Flask:
    """The pledges app on `dependencies` (built from the environment when not given).

    `test_config` may hold Flask settings and, under "SETTINGS", overrides of `Settings`.
    """
    test_config = dict(test_config or {})
    settings_overrides = test_config.pop("SETTINGS", None)
    dependencies = dependencies or bootstrap(settings_overrides)
    app = build_app(
        dependencies,
        __name__,
        blueprints=BLUEPRINTS,
        test_config=test_config,
        me_blueprint=me_blp,
    )
    app.register_error_handler(PaymentProviderError, _provider_unavailable)
    pictures.register(app)
    settings = dependencies.settings
    # Sign-in and sign-up limits count clients: a forwarded address counts only from the site.
    app.wsgi_app = TrustedProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, settings.trusted_proxies, settings.proxy_hops
    )
    return app


def _provider_unavailable(error: PaymentProviderError) -> flask.Response:
    """Settling, cancelling or refunding needs the payment provider, which did not answer (or
    refused our key): the handler's transaction rolled back, so nothing was recorded, and asking
    again sends the provider the same idempotency keys. The message names no secret."""
    log.warning("payments.provider_unavailable", path=flask.request.path, error=str(error))
    return problem_response(
        503,
        "The payment provider did not answer; nothing was recorded. Try again shortly.",
        headers={"Retry-After": PROVIDER_RETRY_AFTER},
    )
