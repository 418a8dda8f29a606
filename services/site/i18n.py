"""The site's two languages wired into Flask: Flask-Babel's catalogues, the visitor's choice
(`languages.choose`), `?lang=` kept in the session and saved to the account, and the switch.

The site's own catalogue is `services/site/translations`; the sentences shared/ writes (why a
payment failed) come from `shared/translations`, loaded beside it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import urlencode

import flask
from flask_babel import Babel, get_translations

from services.site import context, languages
from services.site.clients import ApiError, ServiceUnavailable
from shared.i18n import SHARED_TRANSLATIONS
from shared.payment_reasons import payment_failure

_SITE_TRANSLATIONS = Path(__file__).parent / "translations"
#: Session keys: the language picked with `?lang=` in this visit, and the account's saved one.
PICKED = "language"
SAVED = "account_language"


def install(app: flask.Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = languages.DEFAULT
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{_SITE_TRANSLATIONS};{SHARED_TRANSLATIONS}"
    Babel(app, locale_selector=current_language)
    app.before_request(_keep_asked_language)
    app.jinja_env.globals.update(current_language=current_language, language_links=language_links)
    app.jinja_env.filters["payment_failure"] = lambda code: payment_failure(
        code, get_translations()
    )


def current_language() -> str:
    """The language of this request's page ("en" or "id")."""
    if not flask.has_request_context():
        return languages.DEFAULT
    session = flask.session
    return languages.choose(
        asked=flask.request.args.get("lang"),
        picked=session.get(PICKED),
        saved=session.get(SAVED),
        offers=flask.request.accept_languages,
    )


def _keep_asked_language() -> None:
    """`?lang=id|en` is remembered for the visit and, for a signed-in visitor, saved as the
    account's preference. Anything else in `lang` is ignored."""
    asked = flask.request.args.get("lang")
    if asked not in languages.LANGUAGES or flask.session.get(PICKED) == asked:
        return
    flask.session[PICKED] = asked
    who = context.visitor()
    if who is None or flask.session.get(SAVED) == asked:
        return
    # The page is shown in the asked language whether or not the save succeeds; it is tried
    # again on the next switch.
    with contextlib.suppress(ApiError, ServiceUnavailable):
        context.services().pledges.save_language(asked, token=who.token)
        flask.session[SAVED] = asked


def language_links() -> list[dict[str, str]]:
    """The switch: this page in each language, its other query arguments kept."""
    request = flask.request
    others = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return [
        {
            "code": code,
            "name": languages.NAMES[code],
            "href": f"{request.path}?{urlencode([*others, ('lang', code)])}",
        }
        for code in languages.LANGUAGES
    ]
