"""The limits and rules of the text people write in updates and comments."""

from __future__ import annotations

from shared.errors import InvalidValue
from shared.text import TextRefused, clean_text, text_fault

TITLE_MAX = 200
#: Markdown characters of an update's body: a long letter, not a book.
BODY_MAX = 20_000
COMMENT_MAX = 2_000
REASON_MAX = 1_000


def checked(value: object, field: str, max_length: int, *, multiline: bool = False) -> str:
    """`value` stripped, or InvalidValue blaming `field` (the same words over any entrypoint)."""
    try:
        return clean_text(value, max_length=max_length, multiline=multiline)
    except TextRefused as exc:
        raise InvalidValue(f"{field} {exc}", field) from None


def checked_markdown(value: object, field: str = "body") -> str:
    """A Markdown body, kept exactly as written (leading spaces mean something in Markdown)."""
    if not isinstance(value, str):
        raise InvalidValue(f"{field} must be text", field)
    if not value.strip():
        raise InvalidValue(f"{field} must not be blank", field)
    if len(value) > BODY_MAX:
        raise InvalidValue(f"{field} must be at most {BODY_MAX} characters", field)
    fault = text_fault(value, multiline=True)
    if fault is not None:
        raise InvalidValue(f"{field} {fault}", field)
    return value
