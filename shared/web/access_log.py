"""Access-log lines with no link token in them, for gunicorn in front of every app.

Mailed links carry one-time tokens: in a query string (the site's `/reset-password?token=…`),
in a `Referer` naming such a page, or as a path argument (the pledges service's
`/password-resets/<token>`). A log line keeps the method, the path, the status and the client,
and none of those: queries and referrers lose their query, and a path argument named as
secret is replaced once Flask has routed the request.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any
from urllib.parse import urlsplit

import flask
from gunicorn.glogging import Logger
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RoutingException

#: Route arguments that are secrets wherever they appear (`<token>`).
SECRET_ARGUMENTS = frozenset({"token"})
#: The WSGI environ key where an app leaves the path as it may be logged.
LOGGED_PATH = "fundtrail.logged_path"
REDACTED = "[redacted]"


def loggable_path() -> str:
    """This request's path, with each secret route argument replaced."""
    path = flask.request.path
    for name, value in _route_arguments().items():
        if name in SECRET_ARGUMENTS and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


def _route_arguments() -> dict[str, Any]:
    """The route's arguments; for a path asked with a method it does not take (405, so Flask
    kept none), the arguments it has under a method it does take."""
    request = flask.request
    if request.view_args is not None:
        return request.view_args
    refused = request.routing_exception
    if isinstance(refused, MethodNotAllowed) and refused.valid_methods:
        adapter = flask.current_app.create_url_adapter(request)
        with contextlib.suppress(HTTPException, RoutingException):
            if adapter is not None:
                method = next(iter(refused.valid_methods))
                _, arguments = adapter.match(method=method)
                return dict(arguments)
    return {}


def remember_loggable_path(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A `url_value_preprocessor`: runs once the request is routed, before any other hook."""
    flask.request.environ[LOGGED_PATH] = loggable_path()


def install(app: flask.Flask) -> None:
    """Make `app` leave its loggable path in the environ for `AccessLog`."""
    app.url_value_preprocessor(remember_loggable_path)


def without_query(url: str) -> str:
    """`url` (a referrer) without its query and fragment."""
    if url in ("", "-"):
        return url
    try:
        return urlsplit(url)._replace(query="", fragment="").geturl()
    except ValueError:
        return "-"


class AccessLog(Logger):
    """gunicorn's logger (`--logger-class shared.web.access_log.AccessLog`) with every atom
    that could hold a query string or a secret path argument rewritten."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        path = environ.get(LOGGED_PATH) or environ.get("PATH_INFO") or "-"
        referer = without_query(str(atoms.get("f", "-")))
        atoms.update(
            r=f"{atoms['m']} {path} {atoms['H']}",
            U=path,
            q="",
            f=referer,
        )
        atoms["{referer}i"] = referer
        for name in ("{query_string}e", "{raw_uri}e", "{request_uri}e"):
            atoms.pop(name, None)
        atoms["{path_info}e"] = path
        return atoms
