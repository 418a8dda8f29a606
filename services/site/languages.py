"""Which language the site speaks to a visitor: English or Bahasa Indonesia.

A `?lang=` on any page wins and is kept for the visit; then the language the visitor picked
earlier in this visit, then the account's saved preference (read at sign-in), then the
browser's Accept-Language, then English. Pure choice here; app wiring in `i18n.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.languages import DEFAULT_LANGUAGE as DEFAULT
from shared.languages import LANGUAGES, from_accept_language, language_of

__all__ = ["DEFAULT", "LANGUAGES", "NAMES", "choose", "from_accept_language", "language_of"]

#: What each language is called, in itself, for the switch on every page.
NAMES = {"en": "English", "id": "Bahasa Indonesia"}


def choose(
    *,
    asked: object = None,
    picked: object = None,
    saved: object = None,
    offers: Iterable[tuple[str, float]] = (),
) -> str:
    """The visitor's language: `?lang` (`asked`), else the one `picked` earlier this visit,
    else the account's `saved` preference, else Accept-Language, else English. Values that
    are not a site language are skipped, never an error."""
    for candidate in (asked, picked, saved):
        if isinstance(candidate, str) and candidate in LANGUAGES:
            return candidate
    return from_accept_language(offers) or DEFAULT
