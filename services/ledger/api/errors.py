"""How the ledger's refusals that are not plain domain families answer over HTTP."""

from __future__ import annotations

import flask
from werkzeug.exceptions import RequestEntityTooLarge

from services.ledger.receipt_files import ReceiptTooLarge
from services.ledger.reports.rendering import RenderingBusy
from shared.errors import FAMILY_STATUSES
from shared.web.problems import http_exception_to_problem, problem_response, refusal_handler

#: ReceiptTooLarge first: it is an InvalidValue, but the answer to a too-large body is a 413.
STATUSES = ((ReceiptTooLarge, 413), *FAMILY_STATUSES)


def body_too_large(error: RequestEntityTooLarge) -> flask.Response:
    """A body past the app's limit: on the expenses route that can only be the receipt, on the
    receipt-copy route the copy."""
    for ending, field in (("/expenses", "receipt"), ("/receipt-copy", "copy")):
        if flask.request.path.endswith(ending):
            limit = flask.current_app.config["MAX_CONTENT_LENGTH"]
            message = f"the request is larger than the {limit} bytes accepted"
            return problem_response(413, f"{field}: {message}", errors={field: [message]})
    return http_exception_to_problem(error)


def come_back_later(error: RenderingBusy) -> flask.Response:
    """No report rendering could start now: 503, and when to ask again."""
    return problem_response(
        503,
        error.message,
        title="Busy rendering reports",
        headers={"Retry-After": str(error.retry_after)},
    )


def register(app: flask.Flask) -> None:
    app.register_error_handler(ReceiptTooLarge, refusal_handler(STATUSES))
    app.register_error_handler(RenderingBusy, come_back_later)
    app.register_error_handler(RequestEntityTooLarge, body_too_large)
