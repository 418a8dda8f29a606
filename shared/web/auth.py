"""Bearer-token checks for routes: who is calling, and may they."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import flask

from shared.auth import InvalidToken, Principal
from shared.web.problems import Problem

F = TypeVar("F", bound=Callable[..., Any])

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="fundtrail"'}


def current_principal() -> Principal:
    """The verified caller of this request; 401 when there is no valid token."""
    cached = flask.g.get("principal")
    if cached is not None:
        return cached
    header = flask.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401, "An 'Authorization: Bearer <token>' header is required.", headers=_CHALLENGE
        )
    verifier = flask.current_app.extensions["fundtrail"].token_verifier
    try:
        principal = verifier.verify(token.strip())
    except InvalidToken as exc:
        raise Problem(401, str(exc), headers=_CHALLENGE) from None
    flask.g.principal = principal
    return principal


def requires_role(*roles: str) -> Callable[[F], F]:
    """The route needs a valid token, and with `roles` given, one whose role is among them."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if roles and principal.role not in roles:
                raise Problem(403, f"This needs the role {' or '.join(roles)}.")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
