"""Canonical JSON (RFC 8785, JCS) for ledger entries: the exact bytes that become a log leaf."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import msgspec
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
    fast = _fast_canonical(obj)
    return fast if fast is not None else exact_canonical_json(obj)


def exact_canonical_json(obj: JsonValue) -> bytes:
    """`canonical_json` by rfc8785 alone: what the fast path must match, and its fallback."""
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


def _no_floats(text: str) -> Any:
    raise ValueError("a float: the exact path refuses it with its path")


#: msgspec's sorted compact JSON equals RFC 8785's for ints, strings, lists, dicts, bools and
#: nulls except for key order between U+E000..U+FFFF and astral characters (UTF-16 code units
#: against code points) and integers beyond ±(2**53 - 1), which JCS refuses; its string
#: escapes are JCS's (tests/unit/ledger/test_ledger_verify_fast_path.py checks all of it, and
#: test_ledger_canonical.py that both paths give the same bytes). About 3 µs a leaf, where
#: rfc8785 (pure Python) takes 100-150 µs.
_ENCODE = msgspec.json.Encoder(order="sorted").encode
_DECODE = msgspec.json.Decoder(float_hook=_no_floats).decode
#: A UTF-8 lead byte of U+E000 and above: where the key orders could differ.
_UNSAFE = re.compile(rb"[\xee-\xff]")
_DIGITS_AS_ZEROS = bytes.maketrans(b"0123456789", b"0" * 10)
#: 2**53 has 16 digits: any run of 16 is left to the exact path.
_SIXTEEN_DIGITS = b"0" * 16


def _fast_canonical(obj: object) -> bytes | None:
    """RFC 8785's bytes for `obj` when msgspec's are provably the same, else None.

    msgspec would also write what the ledger refuses (floats, UUIDs, datetimes, tuples, Enum
    members, int keys): reading the bytes back must give no float and a value equal to `obj`,
    and a plain JSON value equals none of those (`[1] != (1,)`, `"a" != uuid`), so they go to
    the exact path, which accepts or refuses them as before. The str and int subclasses that
    do compare equal (StrEnum, IntEnum members) both encoders write as their plain value."""
    try:
        data = _ENCODE(obj)
        if (
            (data.isascii() or _UNSAFE.search(data) is None)
            and _SIXTEEN_DIGITS not in data.translate(_DIGITS_AS_ZEROS)
            and _DECODE(data) == obj
        ):
            return data
    except (ValueError, TypeError, RecursionError, msgspec.EncodeError):
        pass
    return None
