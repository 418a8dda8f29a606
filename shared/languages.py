"""The languages Fundtrail speaks to people: their codes, and the one used when none is known."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

#: BCP 47 primary language tags, lower case: English and Bahasa Indonesia.
LANGUAGES: Final = ("en", "id")
#: What an account, a campaign or a reader without a stated language gets.
DEFAULT_LANGUAGE: Final = "en"
#: How a refusal names what may be given.
LANGUAGE_CHOICES: Final = " or ".join(LANGUAGES)


def is_language(value: object) -> bool:
    """Whether `value` is exactly one of LANGUAGES (no case folding: "ID" is refused, so one
    stored value never has two spellings)."""
    return isinstance(value, str) and value in LANGUAGES


# "in" is Indonesian's ISO 639 code before 1989; Java and old Android still send it.
_ALIASES = {"in": "id"}


def language_of(tag: object) -> str | None:
    """The language a language tag means ("id-ID" -> "id", "en-GB" -> "en"), or None."""
    if not isinstance(tag, str) or not 0 < len(tag) <= 35:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def from_accept_language(offers: Iterable[tuple[str, float]]) -> str | None:
    """The first of our languages among a browser's (tag, quality) offers, best quality first;
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


def reader_language(asked: object, offers: Iterable[tuple[str, float]] = ()) -> str:
    """A reader's language without an account (a report, an embed): `?lang=` when it is one of
    ours, else Accept-Language, else English. Anything else in `?lang` is skipped, never an
    error, as on the site's pages."""
    if is_language(asked):
        return str(asked)
    return from_accept_language(offers) or DEFAULT_LANGUAGE
