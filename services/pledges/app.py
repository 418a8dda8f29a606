"""The pledges service's Flask app factory."""

from __future__ import annotations

from typing import Any

import flask

from services.pledges.api import BLUEPRINTS
from services.pledges.bootstrap import PledgesDependencies, bootstrap
from shared.web.app import build_app
from shared.web.proxies import TrustedProxyFix


def create_app(
    test_config: dict[str, Any] | None = None, dependencies: PledgesDependencies | None = None
) -> flask.Flask:
    """The pledges app on `dependencies` (built from the environment when not given).

    `test_config` may hold Flask settings and, under "SETTINGS", overrides of `Settings`.
    """
    test_config = dict(test_config or {})
    settings_overrides = test_config.pop("SETTINGS", None)
    dependencies = dependencies or bootstrap(settings_overrides)
    app = build_app(dependencies, __name__, blueprints=BLUEPRINTS, test_config=test_config)
    settings = dependencies.settings
    # Sign-in and sign-up limits count clients: a forwarded address counts only from the site.
    app.wsgi_app = TrustedProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, settings.trusted_proxies, settings.proxy_hops
    )
    return app
