"""How the pledges domain's refusals answer over HTTP: one place, four families."""

from __future__ import annotations

import flask

from services.pledges.domain.errors import (
    DomainError,
    InvalidValue,
    NotAllowed,
    NotFound,
    StateConflict,
)
from shared.web.problems import refusal_handler

STATUSES = ((InvalidValue, 422), (NotAllowed, 403), (NotFound, 404), (StateConflict, 409))


def register(app: flask.Flask) -> None:
    app.register_error_handler(DomainError, refusal_handler(STATUSES))
