"""How the pledges domain's refusals answer over HTTP: one place, three families."""

from __future__ import annotations

import flask

from services.pledges.domain.errors import DomainError, InvalidValue, NotAllowed, StateConflict
from shared.web.problems import problem_response


def domain_error_to_problem(error: DomainError) -> flask.Response:
    if isinstance(error, InvalidValue):
        status = 422
    elif isinstance(error, NotAllowed):
        status = 403
    elif isinstance(error, StateConflict):
        status = 409
    else:
        status = 404 if error.__class__.__name__.startswith("Unknown") else 422
    errors = {error.field: [error.message]} if error.field else None
    return problem_response(status, error.message, errors=errors)


def register(app: flask.Flask) -> None:
    app.register_error_handler(DomainError, domain_error_to_problem)
