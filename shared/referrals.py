"""The one rule for a pledge's source: the share tag it came with (`?ref=whatsapp`) or the host
of the site that sent the backer; used by the pledges service (which refuses anything else) and
the site (which drops anything else before it reaches the session cookie).

A source is only ever a short tag or a host name: never a URL, a path or a query, so it cannot
carry who the backer is or what they read elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from urllib.parse import urlsplit

__all__ = ["SOURCE_MAX", "SourceRefused", "referring_host", "source_fault", "tidy_source"]

#: Longest source, in characters: room for a tag or a common host (`l.facebook.com`).
SOURCE_MAX = 40

# Letters, digits, `.`, `-` and `_`: every tag and every ASCII host name fits. Checked on ASCII
# text only, so a lookalike that lower-cases into ASCII (U+212A KELVIN SIGN → `k`) is refused
# rather than folded into a real tag.
_SOURCE = re.compile(r"[a-z0-9._-]+")


class SourceRefused(ValueError):
    """The source is not a tag or host name; the message says why, ready for the field."""


def source_fault(value: str) -> str | None:
    """What is wrong with ``value`` as a source (already stripped and lower-cased), or
    ``None`` when nothing is."""
    if len(value) > SOURCE_MAX:
        return f"a source is at most {SOURCE_MAX} characters"
    if "://" in value or value.startswith(("javascript:", "data:", "mailto:")):
        return "give the site's host name (example.com) or a tag, not a link"
    if not value.isascii() or _SOURCE.fullmatch(value) is None:
        return "a source holds only letters a-z, digits, '.', '-' and '_'"
    return None


def tidy_source(value: str | None) -> str | None:
    """``value`` as a source: stripped and lower-cased; ``None`` for nothing (blank, or none
    given). Raises SourceRefused for anything that is not a tag or a host name."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    # Lower-cased only once known to be ASCII (see _SOURCE).
    tidied = value.lower() if value.isascii() else value
    fault = source_fault(tidied)
    if fault is not None:
        raise SourceRefused(fault)
    return tidied


def referring_host(referer: str | None, own_hosts: Collection[str]) -> str | None:
    """The host of the page that sent the visitor, as a source: only for an `http(s)` page of
    another site (never one of ``own_hosts``), without `www.`, port, path or query; ``None`` for
    anything else, including a host too long or not ASCII to be a source."""
    if not referer or len(referer) > 4096:
        return None
    try:
        parts = urlsplit(referer.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    host = host.removeprefix("www.")
    if host in {own.lower().removeprefix("www.") for own in own_hosts}:
        return None
    try:
        return tidy_source(host)
    except SourceRefused:
        return None
