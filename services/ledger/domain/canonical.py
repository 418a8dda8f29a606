"""Canonical JSON (RFC 8785, JCS) for ledger entries: the exact bytes that become a log leaf."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import rfc8785

JsonValue: TypeAlias = None | bool | int | str | Sequence["JsonValue"] | Mapping[str, "JsonValue"]


class NotCanonicalisable(ValueError):
    """A value that must never reach the ledger's canonical form (a float, an unknown type)."""


def canonical_json(obj: JsonValue) -> bytes:
    """Return the RFC 8785 canonical UTF-8 encoding of `obj`.

    Ledger entries hold only ints, strings, lists, dicts, bools and None. Floats are refused
    even though JCS can encode them: money is integer minor units, and a float that slipped in
    would be a bug that the signed log then preserved forever.
    """
    _refuse_floats(obj, "$")
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as error:
        raise NotCanonicalisable(str(error)) from error


def _refuse_floats(obj: object, path: str) -> None:
    """Walk `obj` and raise with a JSON path at the first value the ledger doesn't allow."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return
    if isinstance(obj, float):
        raise NotCanonicalisable(f"{path} is a float ({obj!r}); use integer minor units")
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise NotCanonicalisable(f"{path} has a non-string key {key!r}")
            _refuse_floats(value, f"{path}.{key}")
        return
    if isinstance(obj, (list, tuple)):
        for position, value in enumerate(obj):
            _refuse_floats(value, f"{path}[{position}]")
        return
    raise NotCanonicalisable(f"{path} has unsupported type {type(obj).__name__}")
