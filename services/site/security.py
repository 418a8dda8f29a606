"""The site's defences: a CSRF token per session on every form, an origin check, and headers."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

import flask
from werkzeug.exceptions import BadRequest, Forbidden

from services.site import context
from shared.i18n import gettext_noop as N_

CSRF_FIELD = "csrf_token"
#: A year, in seconds: what HSTS preload lists ask for, long enough to outlast a visit's gap.
HSTS_MAX_AGE = 365 * 24 * 3600
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def content_security_policy(payment_pages: tuple[str, ...]) -> str:
    """No inline scripts or styles anywhere: one stylesheet from the site itself, no scripts at
    all. Forms post to the site only; the payment provider's pages are named too because
    browsers hold a form's redirect to `form-action` as well (Chromium stops the "Save a card"
    and "Set up payouts" redirects to Stripe without them)."""
    return "; ".join(
        [
            "default-src 'none'",
            "style-src 'self'",
            "img-src 'self' data:",
            " ".join(["form-action 'self'", *payment_pages]),
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


class CrossSiteRequest(Forbidden):
    description = N_("This form was sent from another site, so it was refused.")


class MissingCsrfToken(BadRequest):
    description = N_(
        "This form has expired or was not sent from this site. Go back, reload the page and try "
        "again."
    )


def csrf_token() -> str:
    """This session's CSRF token (made on first use), for a hidden field in every form."""
    token = flask.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        flask.session[CSRF_FIELD] = token
    return token


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_request(public_url: str) -> None:
    """Refuse a state-changing request from another origin (403) or without this session's
    CSRF token (400). The token alone would do; the origin check is a second, cheaper wall."""
    request = flask.request
    if request.method in _SAFE_METHODS:
        return
    # Browsers send Sec-Fetch-Site and Origin on form posts; a request without them (a script,
    # an old browser) still has to bring the token.
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise CrossSiteRequest()
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() not in {
        _origin(request.host_url),
        _origin(public_url),
    }:
        raise CrossSiteRequest()
    expected = flask.session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise MissingCsrfToken()


def add_security_headers(response: flask.Response) -> flask.Response:
    headers = response.headers
    settings = context.settings()
    headers.setdefault("Content-Security-Policy", content_security_policy(settings.payment_pages))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if settings.secure_cookies:
        # Served over HTTPS: browsers never try plain HTTP for a year (where a network could
        # strip TLS). Not for subdomains: the site cannot know what else runs under its domain.
        headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}")
    # Pages can show a signed-in person's view: no shared cache may keep them.
    if response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store")
    return response
