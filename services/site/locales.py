"""The visitor's locale for numbers and money.

A page in Bahasa Indonesia writes and reads numbers as Indonesians do ("Rp 1.500.000",
id_ID). A page in English takes the number format from the browser's Accept-Language
("€1,234.50" in English, "1.234,50 €" in German), so a German backer's "25,50" means 25.50,
not 2550.
"""

from __future__ import annotations

import flask

from services.site.i18n import current_language

#: Locales whose number formats the site uses; a browser asking for another gets English.
SUPPORTED = (
    "en", "en-GB", "en-US", "de", "de-CH", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi",
    "pl", "cs", "ja",
)  # fmt: skip
DEFAULT = "en"
#: The number locale of each site language other than English.
_LANGUAGE_LOCALES = {"id": "id_ID"}


def visitor_locale() -> str:
    """Babel's locale for the page's numbers: "id_ID" on an Indonesian page, else the best
    supported match for the request's Accept-Language ("de_CH")."""
    if not flask.has_request_context():
        return DEFAULT
    if current_language() in _LANGUAGE_LOCALES:
        return _LANGUAGE_LOCALES[current_language()]
    best = flask.request.accept_languages.best_match(SUPPORTED, default=DEFAULT)
    return best.replace("-", "_")
