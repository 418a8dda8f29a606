"""RFC 9457 problem details: every error any service returns, bad input included."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, current_app, json
from werkzeug.exceptions import HTTPException

from shared.logging import get_logger

PROBLEM_JSON = "application/problem+json"

log = get_logger(__name__)

#: The database is away rather than the request wrong: restarting (connections cut, new ones
#: refused), unreachable, the pool waiting too long for a connection, or SQLite's write lock
#: held past its busy timeout. Asking again shortly is the answer, so the client gets a 503
#: with Retry-After instead of a 500 that reads as a bug.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
)
#: Seconds: about what a PostgreSQL restart or failover takes.
DATABASE_RETRY_AFTER = 5


class ProblemSchema(ma.Schema):
    """The shape of an error response (documentation only)."""

    type = ma.fields.String(metadata={"description": "A URI naming the kind of problem"})
    title = ma.fields.String(metadata={"description": "Short summary of the kind of problem"})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong this time"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Validation errors: field name to messages"},
    )


class Problem(HTTPException):
    """Raise to answer with a problem; `errors` names the fields to blame."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Mapping[str, list[str]] | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.errors = dict(errors) if errors else None
        self.title = title
        self.extra_headers = dict(headers or {})


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, object] | None = None,
) -> Response:
    from werkzeug.http import HTTP_STATUS_CODES

    body: dict[str, Any] = {
        # Extension members first, so none can ever stand in for a standard one (RFC 9457 §3.2).
        **(extensions or {}),
        "type": "about:blank",
        "title": title or HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = dict(errors)
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def refusal_handler(
    statuses: Sequence[tuple[type[Exception], int]],
) -> Callable[[Exception], Response]:
    """An error handler answering a domain's refusals: the first family that matches decides the
    status; the refusal's `message` is the detail and its `field`, if any, is blamed (or each of
    its `errors`, when it names several)."""

    def answer(error: Exception) -> Response:
        status = next((code for family, code in statuses if isinstance(error, family)), 422)
        message = getattr(error, "message", str(error))
        field = getattr(error, "field", None)
        # A refusal naming several fields at once (a form's every error) carries them all.
        errors = getattr(error, "errors", None) or ({field: [message]} if field else None)
        return problem_response(
            status, message, errors=errors, extensions=getattr(error, "facts", None)
        )

    return answer


def database_unavailable(error: Exception) -> Response:
    """503 problem with Retry-After. What the request was writing is in a transaction the
    database did not commit (or, should the cut come during the commit itself, a retry with
    the same Idempotency-Key answers what happened)."""
    log.warning("request.database_unavailable", error=type(error).__name__, detail=str(error)[:300])
    return problem_response(
        503,
        "The service's database is unavailable for a moment, so the request was not "
        f"completed. Try again in {DATABASE_RETRY_AFTER} seconds.",
        title="Database unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


#: Seconds: a full disk waits for an operator, not for a restart.
STORAGE_RETRY_AFTER = 60


def storage_full(error: Exception) -> Response:
    """503 problem with Retry-After when an upload found no room on the disk: the file was not
    kept, and the transaction that would have named it rolled back with the error."""
    log.error("request.storage_full", error=str(error))
    return problem_response(
        503,
        "There is no room to store the file on the server just now, so nothing was recorded. "
        "Try again later.",
        title="Storage full",
        headers={"Retry-After": str(STORAGE_RETRY_AFTER)},
    )


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as `{"tiers.0.name": [...]}`, one level per dot."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, name))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_body": list(messages)}
    return {prefix or "_body": [str(messages)]}


def http_exception_to_problem(error: HTTPException) -> Response:
    """Any werkzeug HTTP error, including webargs' validation aborts, as problem+json."""
    status = error.code or 500
    if isinstance(error, Problem):
        return problem_response(
            status,
            error.description or "",
            title=error.title,
            errors=error.errors,
            headers=error.extra_headers,
        )
    data = getattr(error, "data", None) or {}
    headers = data.get("headers") or {}
    messages = data.get("messages")
    if messages is not None:
        # webargs nests messages under the location ("json", "query", "form" ...).
        if isinstance(messages, Mapping) and len(messages) == 1:
            location, messages = next(iter(messages.items()))
        else:
            location = "request"
        errors = flatten_messages(messages)
        if list(errors) == ["_body"]:
            detail = "; ".join(errors["_body"])
            return problem_response(status, detail, headers=headers)
        detail = f"Invalid {location}: " + "; ".join(
            f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()
        )
        return problem_response(status, detail, errors=errors, headers=headers)
    detail = error.description or ""
    if status == 500:
        detail = "The server failed to handle the request; it has been logged."
    return problem_response(status, detail, headers=headers)
