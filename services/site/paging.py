"""Listing pages: which page of a listing the address asks for, within the services' bounds."""

from __future__ import annotations

import flask

#: The largest `offset` the services' listings accept.
MAX_OFFSET = 1_000_000


def requested_offset() -> int:
    """The `offset` query parameter of a listing page: a whole number up to the APIs' bound,
    0 when absent or odd (a hand-edited address gets a page, not an error)."""
    text = flask.request.args.get("offset", "")
    if not (text.isascii() and text.isdigit()) or len(text) > 7:
        return 0
    return min(int(text), MAX_OFFSET)
