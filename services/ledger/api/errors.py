"""How the ledger domain's refusals answer over HTTP: one place, four families."""

from __future__ import annotations

import flask
from werkzeug.exceptions import RequestEntityTooLarge

from services.ledger.domain.errors import (
    InvalidValue,
    LedgerError,
    NotAllowed,
    NotFound,
    StateConflict,
)
from services.ledger.receipts import ReceiptTooLarge
from shared.web.problems import http_exception_to_problem, problem_response


def ledger_error_to_problem(error: LedgerError) -> flask.Response:
    if isinstance(error, ReceiptTooLarge):
        status = 413
    elif isinstance(error, InvalidValue):
        status = 422
    elif isinstance(error, NotAllowed):
        status = 403
    elif isinstance(error, NotFound):
        status = 404
    elif isinstance(error, StateConflict):
        status = 409
    else:
        status = 422
    errors = {error.field: [error.message]} if error.field else None
    return problem_response(status, error.message, errors=errors)


def body_too_large(error: RequestEntityTooLarge) -> flask.Response:
    """A body past the app's limit: on the expenses route that can only be the receipt."""
    if flask.request.path.endswith("/expenses"):
        limit = flask.current_app.config["MAX_CONTENT_LENGTH"]
        message = f"the request is larger than the {limit} bytes accepted"
        return problem_response(413, f"receipt: {message}", errors={"receipt": [message]})
    return http_exception_to_problem(error)


def register(app: flask.Flask) -> None:
    app.register_error_handler(LedgerError, ledger_error_to_problem)
    app.register_error_handler(RequestEntityTooLarge, body_too_large)
