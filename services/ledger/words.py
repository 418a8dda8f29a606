"""The ledger's words for a reader of its reports: its own catalogue and the shared one."""

from __future__ import annotations

from pathlib import Path

from shared.wording import Words, words_for

#: `translations/<language>/LC_MESSAGES/messages.po` (compiled to `.mo` by `make`).
TRANSLATIONS = Path(__file__).parent / "translations"


def report_words(language: object) -> Words:
    """The words of `language` (English for anything Fundtrail does not speak)."""
    return words_for(language, (TRANSLATIONS,))
