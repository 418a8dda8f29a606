"""marshmallow fields every service's API schemas share: safe text, bounded numbers and times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import marshmallow as ma

from shared.text import text_fault

#: Largest page offset: paging that deep is a crawl; filters or ids serve it better.
MAX_OFFSET = 1_000_000
#: Largest log position (seq, tree size) a request may name: 2^53 − 1, the largest integer a
#: JavaScript client reads exactly, and far inside the BIGINT columns that store positions.
MAX_LOG_POSITION = 2**53 - 1
#: The window any date or time given to the API must fall in. Beyond it nothing real happens,
#: and near year 1 or 9999 a change of offset overflows Python's datetime.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class Text(ma.fields.String):
    """Text a person wrote: no control, format (bidi, zero-width) or surrogate characters.

    `max_length` is documented here; the domain strips and measures the text (its own rule, so
    a length is blamed the same way whichever entrypoint the text came through).
    """

    def __init__(
        self, *, max_length: int, multiline: bool = False, blank: bool = False, **kwargs: Any
    ) -> None:
        metadata = {"maxLength": max_length, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        # `blank` says whether blank text is acceptable; like the length, the domain decides.
        self.multiline, self.blank = multiline, blank

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        fault = text_fault(text, multiline=self.multiline)
        if fault is not None:
            raise ma.ValidationError(fault)
        return text


def bounded_int(minimum: int, maximum: int, **kwargs: Any) -> ma.fields.Integer:
    """An integer parameter within [minimum, maximum] (documented, so clients know)."""
    return ma.fields.Integer(validate=ma.validate.Range(min=minimum, max=maximum), **kwargs)


def page_offset(**kwargs: Any) -> ma.fields.Integer:
    """How many items to skip: 0..MAX_OFFSET."""
    return bounded_int(0, MAX_OFFSET, load_default=0, **kwargs)


class Moment(ma.fields.AwareDateTime):
    """An RFC 3339 date and time with an offset, loaded in UTC, within EARLIEST..LATEST."""

    default_error_messages = {
        "invalid_awareness": "must be RFC 3339 with a timezone offset",
        "out_of_window": f"must lie between {EARLIEST.year} and {LATEST.year}",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+14:00 is before year 1 in UTC
            raise self.make_error("out_of_window") from None
        if not EARLIEST <= moment < LATEST:
            raise self.make_error("out_of_window")
        return moment


class Day(ma.fields.Date):
    """A calendar date within the API's window (EARLIEST..LATEST)."""

    default_error_messages = {
        "out_of_window": f"must lie between {EARLIEST.year} and {LATEST.year}",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST.date() <= day < LATEST.date():
            raise self.make_error("out_of_window")
        return day
