"""The one rule for text people write (titles, names, reasons): which characters it may hold."""

from __future__ import annotations

import unicodedata

__all__ = ["ALLOWED_JOINERS", "TextRefused", "clean_text", "text_fault"]

#: Zero-width (non-)joiners are format characters too, but Persian, the Indic scripts and emoji
#: sequences need them to be spelt right; they reorder nothing, so they stay allowed.
ALLOWED_JOINERS = frozenset("\u200c\u200d")

# Line breaks and tabs belong in multi-line text only. Everything else refused below either
# hides or reorders what a reader sees (format characters such as U+202E RIGHT-TO-LEFT OVERRIDE,
# U+200B ZERO WIDTH SPACE, U+FEFF), cannot be stored or encoded at all (lone surrogates cannot
# become UTF-8, PostgreSQL refuses NUL), or breaks lines behind the author's back (U+2028/9).
_MULTILINE_ALLOWED = frozenset("\n\r\t")
_REFUSED_CATEGORIES = {
    "Cc": "control character",
    "Cs": "lone surrogate",
    "Cf": "invisible format character",
    "Zl": "line separator",
    "Zp": "paragraph separator",
}


class TextRefused(ValueError):
    """The text breaks a rule; the message says which, ready to show next to the field."""


def text_fault(text: str, *, multiline: bool = False) -> str | None:
    """What is wrong with the characters of ``text``, or ``None`` when nothing is."""
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    for char in text:
        if char in allowed or char in ALLOWED_JOINERS:
            continue
        kind = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if kind is not None:
            name = unicodedata.name(char, "")
            label = f"U+{ord(char):04X}" + (f" ({name})" if name else "")
            return f"must not contain the {kind} {label}"
    return None


def clean_text(
    value: object, *, max_length: int, multiline: bool = False, blank: bool = False
) -> str:
    """``value`` with surrounding whitespace removed, or :class:`TextRefused` saying why.

    Lengths count characters (code points) after stripping. Text is refused, never silently
    repaired: what is stored (and, in the ledger, signed into the public log) is exactly what
    its author sent, and the author learns at once what to change.
    """
    if not isinstance(value, str):
        raise TextRefused("must be text")
    text = value.strip()
    if not text and not blank:
        raise TextRefused("must not be blank")
    if len(text) > max_length:
        raise TextRefused(f"must be at most {max_length} characters")
    fault = text_fault(text, multiline=multiline)
    if fault is not None:
        raise TextRefused(fault)
    return text
