"""Believe a forwarded client address only from the proxies we were told to trust.

Werkzeug's ProxyFix believes `X-Forwarded-For` from whoever sends it; anyone could then name
a fresh "client" per request and walk past every per-client limit. Here it is applied only
when the request comes straight from a configured proxy (the site), for its configured hops.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class TrustedProxyFix:
    """WSGI middleware: `ProxyFix(x_for=hops)` for requests from `trusted` addresses only."""

    def __init__(self, app: WSGIApplication, trusted: Iterable[str], hops: int = 1) -> None:
        if hops < 1:
            raise ValueError("a trusted proxy adds at least one hop")
        self._app = app
        self._trusted = frozenset(trusted)
        # Only the address: the scheme, host and prefix a proxy might name are not needed.
        self._fixed = ProxyFix(app, x_for=hops, x_proto=0, x_host=0, x_port=0, x_prefix=0)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        if environ.get("REMOTE_ADDR") in self._trusted:
            return self._fixed(environ, start_response)
        return self._app(environ, start_response)
