"""Sentences, money and dates for one reader, in their language, where no Flask request is
(mail sent by a worker, reports rendered by the ledger): a gettext catalogue (`shared/i18n.py`)
with the locale's ways of writing amounts and dates.

English is the source language: its words are the message ids themselves, so an English
reader's text is exactly what the code says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations

from shared.i18n import translations
from shared.languages import DEFAULT_LANGUAGE, is_language
from shared.money import format_amount

#: How each language writes a day and a moment (CLDR's patterns, through Babel). Indonesian
#: separates hours and minutes with a dot ("14.30"), as KBBI and Kitabisa write time.
_DAY = {"en": "d MMMM y", "id": "d MMMM y"}
_MOMENT = {"en": "d MMMM y, HH:mm", "id": "d MMMM y 'pukul' HH.mm"}


@dataclass(frozen=True)
class Words:
    """What a text for one reader needs: their language's sentences and formats."""

    language: str
    catalogue: NullTranslations

    def gettext(self, message: str, **values: object) -> str:
        """`message` in the reader's language, `%(name)s` filled from `values` (as Flask-Babel's
        `_()` does: the placeholders stay in the catalogue, where a translator can move them)."""
        text = self.catalogue.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, num: int, **values: object) -> str:
        """The form for `num` (English has two, Indonesian one); `%(num)d` is `num`."""
        return self.catalogue.ngettext(singular, plural, num) % {"num": num, **values}

    def money(self, amount: int, currency: str) -> str:
        """`amount` minor units as the reader writes money: "€1,500.00", "Rp 1.500.000"."""
        return format_amount(amount, currency, self.language)

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.language)

    def day(self, moment: datetime) -> str:
        """The UTC day of `moment`: "11 December 2026", "11 Desember 2026"."""
        return format_datetime(moment, _DAY[self.language], tzinfo=UTC, locale=self.language)

    def utc_moment(self, moment: datetime) -> str:
        """`moment` to the minute, with its zone: "11 December 2026, 14:30 UTC"."""
        at = format_datetime(moment, _MOMENT[self.language], tzinfo=UTC, locale=self.language)
        return f"{at} UTC"


def words_for(language: object, directories: Iterable[Path] = ()) -> Words:
    """The words of `language` from the catalogues in `directories` (then shared/'s); anything
    not a language Fundtrail speaks (a stale row, a header's junk) gets English."""
    chosen = language if isinstance(language, str) and is_language(language) else DEFAULT_LANGUAGE
    return Words(chosen, translations(chosen, tuple(directories)))
