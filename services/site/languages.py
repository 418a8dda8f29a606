"""Which language the site speaks to a visitor: English or Bahasa Indonesia.

A `?lang=` on any page wins and is kept for the visit; then the language the visitor picked
earlier in this visit, then the account's saved preference (read at sign-in), then the
browser's Accept-Language, then English. Pure choice here; app wiring in `i18n.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.languages import DEFAULT_LANGUAGE as DEFAULT
from shared.languages import LANGUAGES

__all__ = ["DEFAULT", "LANGUAGES", "NAMES", "choose", "from_accept_language", "language_of"]
#: What each language is called, in itself, for the switch on every page.
NAMES = {"en": "English", "id": "Bahasa Indonesia"}

# "in" is Indonesian's ISO 639 code before 1989; Java and old Android still send it.
_ALIASES = {"in": "id"}


def language_of(tag: object) -> str | None:
    """The site language a language tag means ("id-ID" -> "id", "en-GB" -> "en"), or None."""
    if not isinstance(tag, str) or not 0 < len(tag) <= 35:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def from_accept_language(offers: Iterable[tuple[str, float]]) -> str | None:
    """The first site language among the browser's (tag, quality) offers, best quality first;
    a tag of quality 0 is refused, never chosen."""
    ranked = sorted(
        ((quality, -position, tag) for position, (tag, quality) in enumerate(offers)),
        reverse=True,
    )
    for quality, _, tag in ranked:
        found = language_of(tag)
        if found is not None and quality > 0:
            return found
    return None


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
