"""The languages Fundtrail speaks to people: their codes, and the one used when none is known."""

from __future__ import annotations

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
