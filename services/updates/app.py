"""The updates service's Flask app factory."""

from __future__ import annotations

from typing import Any

import flask

from services.updates.api import BLUEPRINTS, PAGES
from services.updates.api import errors as updates_errors
from services.updates.api.images import UPLOAD_ENDPOINT
from services.updates.bootstrap import UpdatesDependencies, bootstrap
from services.updates.mail.pages import pages as mail_pages
from shared.web import pictures
from shared.web.app import build_app

#: Room for a full-length body even if every character were sent as a 6-byte JSON escape.
MAX_REQUEST_BYTES = 256 * 1024


def create_app(
    test_config: dict[str, Any] | None = None, dependencies: UpdatesDependencies | None = None
) -> flask.Flask:
    """The updates app on `dependencies` (built from the environment when not given).

    `test_config` may hold Flask settings and, under "SETTINGS", overrides of `Settings`.
    """
    test_config = dict(test_config or {})
    dependencies = dependencies or bootstrap(test_config.pop("SETTINGS", None))
    app = build_app(dependencies, __name__, blueprints=BLUEPRINTS, test_config=test_config)
    # Pages, not API: outside /api/v1 and the OpenAPI document.
    app.register_blueprint(mail_pages)
    for page in PAGES:
        app.register_blueprint(page)
    # An update's body is at most BODY_MAX characters; a request far past that is refused
    # before it is read (413), one just past it by the domain (422, naming the field).
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    updates_errors.register(app)
    pictures.register(app, upload_endpoints=frozenset({UPLOAD_ENDPOINT}))
    return app
