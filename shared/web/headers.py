"""Security headers every service's answers carry, set once for all of them in `build_app`.

A service's answers are JSON, problem+json, Atom, CSV or a few plain pages: none needs a script,
a style sheet from elsewhere or a frame. So the default policy lets nothing load or run, and a
browser never sniffs a body into something more active than its declared type (a hostile
update in a feed, a crafted CSV). A route that needs more sets its own policy before this runs
(the ledger's report pages, the unsubscribe page's form); it is left as the route set it.
"""

from __future__ import annotations

import base64
import hashlib
import re

import flask

from shared.web.api import API_PREFIX


def policy(*directives: str) -> str:
    return "; ".join(directives)


_LOCKED = ("frame-ancestors 'none'", "base-uri 'none'")
#: JSON, feeds, downloads: nothing to load, run, frame or post.
DEFAULT_POLICY = policy("default-src 'none'", *_LOCKED, "form-action 'none'")
#: A plain page whose only active part is a form posting back to this service.
FORM_PAGE_POLICY = policy("default-src 'none'", *_LOCKED, "form-action 'self'")

#: The Swagger UI page smorest renders: the package's own script and styles, served from here.
_DOCS_PATH = f"{API_PREFIX}/docs"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def _docs_policy(page: bytes) -> str:
    """The docs page's policy: its own files, plus its one inline script by hash (not
    'unsafe-inline'), so an injected script would still not run."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return policy(
        "default-src 'none'",
        f"script-src 'self' {hashes}".strip(),
        # Swagger UI sets style attributes and draws its icons as data: images.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        *_LOCKED,
        "form-action 'none'",
    )


def add_security_headers(response: flask.Response) -> flask.Response:
    """`after_request`: nosniff everywhere, and a policy unless the route chose one."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if "Content-Security-Policy" not in headers:
        if flask.request.path == _DOCS_PATH and response.mimetype == "text/html":
            headers["Content-Security-Policy"] = _docs_policy(response.get_data())
        else:
            headers["Content-Security-Policy"] = DEFAULT_POLICY
    headers.setdefault("Referrer-Policy", "no-referrer")
    return response
