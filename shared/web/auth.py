"""Bearer-token checks for routes: who is calling, and may they."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import flask

from shared.auth import ExpiredToken, InvalidToken, Principal
from shared.web.problems import Problem

F = TypeVar("F", bound=Callable[..., Any])

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="fundtrail"'}
# RFC 6750 §3.1: a token was given but is no good; clients may tell "expired" from the rest.
_INVALID = {"WWW-Authenticate": 'Bearer realm="fundtrail", error="invalid_token"'}
_EXPIRED = {
    "WWW-Authenticate": (
        'Bearer realm="fundtrail", error="invalid_token", error_description="The token expired"'
    )
}


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
    except ExpiredToken as exc:
        raise Problem(401, str(exc), headers=_EXPIRED) from None
    except InvalidToken as exc:
        raise Problem(401, str(exc), headers=_INVALID) from None
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


def optional_principal() -> Principal | None:
    """The caller of a public read: ``None`` without an Authorization header; a header that is
    there but wrong is still a 401, so a broken client learns its token is bad."""
    if "Authorization" not in flask.request.headers:
        return None
    return current_principal()
