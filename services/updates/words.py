"""The updates service's words for a reader: its own catalogue (mails, automatic updates) and
the shared one, in the reader's language."""

from __future__ import annotations

from pathlib import Path

from shared.wording import Words, words_for

#: `translations/<language>/LC_MESSAGES/messages.po` (compiled to `.mo` by `make`).
TRANSLATIONS = Path(__file__).parent / "translations"


def words(language: object) -> Words:
    """The words of `language` (English for anything Fundtrail does not speak)."""
    return words_for(language, (TRANSLATIONS,))
