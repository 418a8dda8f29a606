"""The visitor's locale for numbers and money: chosen from the browser's Accept-Language.

The pages' words stay English; what changes is how amounts are written and typed ("€1,234.50"
in English, "1.234,50 €" in German), so a German backer's "25,50" means 25.50, not 2550.
"""

from __future__ import annotations

import flask

#: Locales whose number formats the site uses; a browser asking for another gets English.
SUPPORTED = (
    "en", "en-GB", "en-US", "de", "de-CH", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi",
    "pl", "cs", "ja",
)  # fmt: skip
DEFAULT = "en"


def visitor_locale() -> str:
    """The best supported match for the request's Accept-Language, in Babel's form ("de_CH")."""
    if not flask.has_request_context():
        return DEFAULT
    best = flask.request.accept_languages.best_match(SUPPORTED, default=DEFAULT)
    return best.replace("-", "_")
