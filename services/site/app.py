"""The site's Flask app: pages for people, over the pledges, ledger and updates APIs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from services.site import display, i18n, referrals, refusals
from services.site.access import SignInRequired, this_page
from services.site.account_links import account_links
from services.site.accounts import accounts
from services.site.audit_exports import audit_exports
from services.site.backing import backing
from services.site.card_cache import CardCache
from services.site.clients import ApiError, Services, ServiceUnavailable
from services.site.comments import comments
from services.site.console.campaign import console_campaign
from services.site.console.expenses import console_expenses
from services.site.console.home import console
from services.site.console.money import console_money
from services.site.console.payouts import console_payouts
from services.site.console.updates import console_updates
from services.site.context import sign_out, visitor
from services.site.cover_uploads import allow_cover_uploads, too_large_message
from services.site.covers import covers
from services.site.forms import amount_example
from services.site.limits import PublishedLimits
from services.site.pages import pages
from services.site.public_pages import public
from services.site.receipts import receipts
from services.site.security import CSRF_FIELD, add_security_headers, check_request, csrf_token
from services.site.sessions import EncryptedSessionInterface
from services.site.settings import SiteSettings
from services.site.sharing import sharing
from services.site.verify_files import verify_files
from shared.logging import configure_logging, get_logger
from shared.web import access_log

log = get_logger(__name__)

_ERROR_TITLES = {
    400: lazy_gettext("That request could not be handled"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("Not allowed"),
    413: lazy_gettext("Too large"),
    429: lazy_gettext("Too many attempts"),
    503: lazy_gettext("Temporarily unavailable"),
}


def create_app(
    test_config: dict[str, Any] | None = None, settings: SiteSettings | None = None
) -> flask.Flask:
    """The site. `test_config` holds Flask settings, plus `SITE_SETTINGS` overrides."""
    test_config = dict(test_config or {})
    if settings is None:
        settings = SiteSettings.load(test_config.pop("SITE_SETTINGS", None))
    configure_logging(settings.log_format)

    app = flask.Flask(__name__)
    if settings.trusted_proxy_hops:
        # Only the hops we run append to X-Forwarded-For; what a visitor writes there is not
        # believed, so the address passed on to the services (clients.py) is the visitor's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_hops)  # type: ignore[method-assign]
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="fundtrail_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        # Tokens live 30 days by default; the cookie need not outlive a working week of use.
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),
        MAX_CONTENT_LENGTH=64 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.config.update(test_config)
    # The session holds the visitor's API token: encrypted, not only signed (sessions.py).
    app.session_interface = EncryptedSessionInterface(
        (settings.secret_key, *settings.previous_secret_keys)
    )
    app.extensions["site.settings"] = settings
    access_log.install(app)
    services = Services.connect(
        settings.pledges_url, settings.ledger_url, settings.updates_url, settings.timeout
    )
    app.extensions["site.services"] = services
    app.extensions["site.limits"] = PublishedLimits(services)
    app.extensions["site.cards"] = CardCache(settings.card_cache_dir, settings.card_max_renders)
    app.jinja_env.globals.update(csrf_token=csrf_token, csrf_field=CSRF_FIELD, visitor=visitor)
    app.jinja_env.filters.update(
        money=display.money,
        major_units=display.major_units,
        time_left=display.time_left,
        when=display.when,
        month=display.month,
        in_words=display.in_words,
        pledge_state=display.pledge_state,
        hex_hash=display.hex_hash,
        root_hex=display.checkpoint_root_hex,
    )
    i18n.install(app)
    app.jinja_env.globals.update(
        percent=display.percent,
        amount_example=amount_example,
        can_log_expenses=display.can_log_expenses,
        money_moves=lambda: app.extensions["site.limits"].money_moves(),
        tier_options=display.tier_options,
        verifier_path=lambda: app.extensions["site.limits"].verifier_path(),
    )

    app.before_request(lambda: check_request(settings.public_url))
    app.after_request(add_security_headers)
    app.after_request(referrals.remember)
    app.after_request(_pass_on_retry_after)
    app.register_blueprint(pages)
    app.register_blueprint(accounts)
    app.register_blueprint(account_links)
    app.register_blueprint(console)
    app.register_blueprint(console_campaign)
    app.register_blueprint(console_money)
    app.register_blueprint(console_payouts)
    app.register_blueprint(console_expenses)
    app.register_blueprint(console_updates)
    app.register_blueprint(backing)
    app.register_blueprint(comments)
    app.register_blueprint(public)
    app.register_blueprint(sharing)
    app.register_blueprint(verify_files)
    app.register_blueprint(covers)
    app.register_blueprint(receipts)
    app.register_blueprint(audit_exports)
    app.url_value_preprocessor(allow_cover_uploads)
    _register_error_pages(app)
    return app


def error_page(status: int, message: str = "") -> tuple[str, int]:
    title = _ERROR_TITLES.get(status) or _("Something went wrong")
    return flask.render_template("error.html", title=title, message=message, status=status), status


def _pass_on_retry_after(response: flask.Response) -> flask.Response:
    """A page that answers 429 because a service did says when to try again, as the service did
    (set by the client in `flask.g`)."""
    retry_after = flask.g.get("retry_after")
    if response.status_code == 429 and retry_after and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = retry_after
    return response


def _register_error_pages(app: flask.Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if status == 404:
            return error_page(
                404, _("There is nothing at this address. It may have moved or never existed.")
            )
        if status == 413:
            return error_page(413, too_large_message() or _(error.description or "Too large"))
        return error_page(status, _(error.description) if error.description else "")

    @app.errorhandler(ServiceUnavailable)
    def unavailable(error: ServiceUnavailable) -> Any:
        page, status = error_page(
            503,
            _(
                "Part of Fundtrail (the %(service)s service) is not answering right now. "
                "Please try again in a minute.",
                service=error.service,
            ),
        )
        return page, status, {"Retry-After": "30"}

    @app.errorhandler(SignInRequired)
    def sign_in_first(error: SignInRequired) -> Any:
        # accounts.login follows `next` only to a path on this site.
        flask.flash(_(error.message))
        return flask.redirect(flask.url_for("accounts.login", next=error.back_to))

    @app.errorhandler(ApiError)
    def refused(error: ApiError) -> Any:
        if error.status == 401:
            # The token expired or was revoked: the person signs in again and comes back (to
            # the home page from a form's POST-only address, which cannot be opened).
            sign_out()
            return sign_in_first(
                SignInRequired(_("Your session has ended. Please sign in again."), this_page())
            )
        message = refusals.for_people(error.detail) or refusals.for_status(error.status)
        if error.status in (403, 404):
            return error_page(error.status, message)
        return error_page(400, message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        log.exception("site.request_failed", path=access_log.loggable_path())
        return error_page(500, _("Something went wrong on our side; it has been logged."))
