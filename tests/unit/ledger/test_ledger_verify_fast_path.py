"""The verifier's fast path (msgspec, a quick postings sum) must judge every line exactly as the
exact path (json, rfc8785, `_postings_problems`) does: same entry, same problems, same messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ledger import verify
from services.ledger.domain.canonical import NotCanonicalisable, canonical_json


def judged_both_ways(data: bytes) -> tuple[Any, Any]:
    fast, exact = verify._Audit(100), verify._Audit(100)
    return (
        (verify._read_entry_fast(fast, data, 7), fast.problems),
        (verify._read_entry(exact, data, 7), exact.problems),
    )


@pytest.mark.parametrize(
    "line",
    [
        b'{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
        b'{"b":1,"a":2}',  # keys out of order
        b'{"a": 1}',  # whitespace
        b'{"a":1,"a":1}',  # a duplicate key
        # JCS orders keys by UTF-16 code units, Python by code points: these two disagree.
        '{"\ue000":1,"\U0001f600":2}'.encode(),
        '{"\U0001f600":2,"\ue000":1}'.encode(),
        b'{"n":9007199254740991}',  # 2**53 - 1, the largest integer JCS allows
        b'{"n":9007199254740992}',  # 2**53, refused by JCS
        b'{"n":-9007199254740992}',
        b'{"n":0012}',
        b'{"n":1.5}',
        b'{"n":NaN}',
        b'{"n":1e3}',
        b'\xef\xbb\xbf{"a":1}',  # a byte-order mark
        b'{"s":"\\u001f"}',  # JCS writes control characters as lowercase \\u00xx
        b'{"s":"\\u001F"}',
        b'{"s":"\\/"}',
        b'{"s":"\\u00e9"}',  # JCS writes é raw, not escaped
        '{"s":"é"}'.encode(),
        b'{"s":"\x7f"}',
        b'{"s":"\\ud800"}',  # a lone surrogate cannot be UTF-8
        b'{"s":"\xff"}',  # not UTF-8
        b'{"s":"\\b\\f\\n\\r\\t\\"\\\\"}',
        b"[1,2]",
        b'"text"',
        b"",
        b"{" * 3000 + b"}" * 3000,
        b'{"leaf_hash":"x","postings":[],"seq":0}',
    ],
)
def test_fast_and_exact_paths_judge_awkward_lines_alike(line: bytes) -> None:
    fast, exact = judged_both_ways(line)
    assert fast == exact


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=4), JSON_VALUES, max_size=4), st.booleans())
def test_fast_and_exact_paths_agree_on_generated_entries(entry: dict[str, Any], jcs: bool) -> None:
    if jcs:
        try:
            line = canonical_json(entry)
        except NotCanonicalisable:  # an integer beyond 2**53: the exact path names it
            line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        line = json.dumps(entry, sort_keys=True).encode()
    fast, exact = judged_both_ways(line)
    assert fast == exact


POSTING_PARTS = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "EUR", "a"])
POSTINGS = st.lists(
    st.dictionaries(st.sampled_from(["account", "amount", "currency"]), POSTING_PARTS)
    | POSTING_PARTS,
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(POSTINGS | POSTING_PARTS, POSTING_PARTS)
def test_the_quick_postings_sum_passes_only_what_the_full_check_passes(
    postings: Any, currency: Any
) -> None:
    entry = {"postings": postings, "currency": currency}
    assert verify._postings_balance(entry) == (not verify._postings_problems(entry))


def test_msgspec_escapes_strings_as_jcs_does() -> None:
    # Every character JCS treats specially (controls, quote, backslash) and a sample of the rest.
    characters = [*map(chr, range(0x800)), "\u2028", "\u2029", "\ufeff", "\ud7ff", "\U0001f600"]
    for character in characters:
        assert verify._FAST_CANONICAL(character) == rfc8785.dumps(character), repr(character)
