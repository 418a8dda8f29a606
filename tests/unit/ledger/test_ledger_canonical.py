"""Canonical JSON: RFC 8785's own examples, and the ledger's refusal of floats."""

from __future__ import annotations

import enum
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ledger.domain.canonical import (
    NotCanonicalisable,
    canonical_json,
    exact_canonical_json,
)

# RFC 8785 §3.2.2, the sample input (with its "numbers" member, which holds floats).
RFC_SAMPLE = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""


def test_rfc8785_sample_without_floats_gives_the_published_bytes() -> None:
    sample = json.loads(RFC_SAMPLE)
    del sample["numbers"]
    # RFC 8785 §3.2.2's output (hex in the RFC), less the "numbers" member.
    expected = '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    assert canonical_json(sample) == expected.encode("utf-8")


def test_rfc8785_property_sorting_example() -> None:
    # RFC 8785 §3.2.3: keys sort by their UTF-16 code units, so the emoji's surrogate pair
    # (0xD83D…) comes before U+FB33 although its code point is larger.
    sample = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    published_order = [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]
    result = canonical_json(sample)
    assert list(json.loads(result).values()) == published_order
    assert result.startswith(b'{"\\r":"Carriage Return","1":"One","\xc2\x80":"Control"')


def test_an_entry_is_compact_sorted_utf8() -> None:
    entry: dict[str, Any] = {
        "seq": 0,
        "memo": "café",
        "postings": [{"amount": -5, "account": "b"}],
        "x": None,
    }
    expected = '{"memo":"café","postings":[{"account":"b","amount":-5}],"seq":0,"x":null}'
    assert canonical_json(entry) == expected.encode()


def test_the_rfc_sample_with_floats_is_refused() -> None:
    with pytest.raises(NotCanonicalisable, match="float"):
        canonical_json(json.loads(RFC_SAMPLE))


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (1.0, r"\$"),
        ({"amount": 15.0}, r"\$\.amount"),
        ({"postings": [{"amount": 1}, {"amount": 0.5}]}, r"\$\.postings\[1\]\.amount"),
    ],
)
def test_floats_are_refused_with_their_path(value: object, where: str) -> None:
    with pytest.raises(NotCanonicalisable, match=where):
        canonical_json(value)  # type: ignore[arg-type]


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_json({1: "non-string key"})  # type: ignore[dict-item]
    with pytest.raises(NotCanonicalisable):
        canonical_json({"when": object()})  # type: ignore[dict-item]
    with pytest.raises(NotCanonicalisable):
        canonical_json(2**53)  # beyond what every JSON reader holds exactly


class _Kind(enum.Enum):
    A = "a"


class _StrKind(enum.StrEnum):
    A = "a"


class _IntKind(enum.IntEnum):
    A = 7


_texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60) | _texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_texts, inner, max_size=4),
    max_leaves=12,
)


def _outcome(encode: Any, value: Any) -> bytes | str:
    try:
        return encode(value)  # type: ignore[no-any-return]
    except NotCanonicalisable as refusal:
        return f"refused: {refusal}"


@settings(max_examples=200, deadline=None)
@given(_json_values)
def test_the_fast_path_writes_rfc8785s_bytes_or_leaves_it_to_rfc8785(value: Any) -> None:
    # Astral and private-use characters (key order), control characters, big ints: whatever
    # msgspec writes must be what rfc8785 writes, and what rfc8785 refuses stays refused.
    assert _outcome(canonical_json, value) == _outcome(exact_canonical_json, value)


@pytest.mark.parametrize(
    "value",
    [
        (1, 2),
        {"k": (1,)},
        {"kind": _Kind.A},
        {"kind": _StrKind.A, "n": _IntKind.A},
        {1: "int key"},
        {"when": uuid.UUID(int=1)},
        [b"bytes"],
        {"n": True, "m": 1},
        {"big": 2**53 - 1},
        {"big": 2**53},
        {"\ue000": 1, "\U0001f600": 2},
        {"f": 1.0},
    ],
)
def test_values_msgspec_reads_back_differently_take_the_exact_path(value: Any) -> None:
    assert _outcome(canonical_json, value) == _outcome(exact_canonical_json, value)
