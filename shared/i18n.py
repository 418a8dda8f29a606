"""Gettext catalogues shared by the services: where they live and how to load them merged.

The site and the updates service both write sentences from shared/ (why a payment failed),
so those sentences have one catalogue, `shared/translations`, which each loads beside its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Protocol

from babel.support import NullTranslations, Translations

#: The catalogue of the sentences shared/ writes for people.
SHARED_TRANSLATIONS = Path(__file__).parent / "translations"


class Translator(Protocol):
    """What a sentence-writing function needs: `gettext` (a `gettext.NullTranslations`, a
    Babel `Translations` or Flask-Babel's `get_translations()` all fit)."""

    def gettext(self, message: str) -> str: ...


def gettext_noop(message: str) -> str:
    """Marks `message` for extraction where it is defined (a table); translated when used."""
    return message


@cache
def _load(language: str, directories: tuple[Path, ...]) -> NullTranslations:
    merged = Translations()
    for directory in directories:
        found = Translations.load(str(directory), [language])
        # A missing .mo (not compiled yet, or English) loads as a NullTranslations: no words.
        if isinstance(found, Translations):
            merged.merge(found)
    return merged


def translations(language: str, directories: Iterable[Path] = ()) -> NullTranslations:
    """`language`'s catalogues from `directories` and then the shared one, merged (a later one
    wins on the same message), cached per process. English is the source: no catalogue."""
    return _load(language, (*directories, SHARED_TRANSLATIONS))
