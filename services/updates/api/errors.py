"""How the updates service's refusals that are not plain domain families answer over HTTP."""

from __future__ import annotations

import flask

from services.updates.domain.errors import TooManyComments
from shared.web.problems import problem_response


def too_many_comments(error: TooManyComments) -> flask.Response:
    return problem_response(
        429,
        f"Too many comments: {error.message}; try again in {error.retry_after} seconds.",
        headers={"Retry-After": str(error.retry_after)},
    )


def register(app: flask.Flask) -> None:
    app.register_error_handler(TooManyComments, too_many_comments)
