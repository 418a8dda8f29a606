"""The verifier's fast path: a whole batch of export lines judged plainly good with C-level calls.

`fundtrail verify` must hash and parse every line; what it must not do is spend Python bytecode
on each. Here a batch of lines is decoded into typed msgspec Structs (the ledger's leaf shape,
format version 1), written back and compared, and its seqs and postings checked, each step one
`map` over the batch. A batch passes only when every line is one the single pass would find
nothing wrong with; any other batch (one odd line is enough) goes back to the line-by-line
checks in `verify`, which say what is wrong in the words they always have.
"""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter, eq
from typing import Annotated

import msgspec

#: RFC 8785 refuses integers JCS can't represent exactly (beyond ±(2**53 - 1)); a line holding
#: one fails to decode here, and the exact path names it.
_JCS_INT = Annotated[int, msgspec.Meta(ge=-(2**53 - 1), le=2**53 - 1)]
_TEXT = str | None
_ABSENT = msgspec.UnsetType


# gc=False: these hold only strings, ints and lists of postings, never a cycle, and a batch makes
# thousands of them: left to the collector, its passes over them cost a tenth of the check.
class _Posting(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A posting as the leaf writes it: `{account, amount}`, in the entry's currency."""

    account: Annotated[str, msgspec.Meta(min_length=1)]
    amount: _JCS_INT


class _Leaf(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, gc=False):
    """One export line in the ledger's leaf shape (`services.ledger.domain.entries`).

    The fields are declared in RFC 8785 order (every name is ASCII, so code-unit order is byte
    order) and msgspec writes a Struct's fields in declaration order, leaving out the optional
    ones that are absent, as the leaf does. So when the writer gives back the line's very bytes,
    the line is its own canonical form: no key order can differ (no dict, no free-form key), no
    number is out of JCS's range or a float (the types refuse them), and msgspec escapes strings
    as JCS does (tests/unit/ledger/test_ledger_verify_fast_path.py). A `leaf_hash` field, any
    other unknown key, a bool where an int belongs, an empty account or fewer than two postings
    fail the decode: the line-by-line checks then report them.
    """

    amount: _JCS_INT
    category: _TEXT
    currency: str
    event_id: _TEXT
    incurred_on: _TEXT
    kind: _TEXT
    memo: _TEXT
    occurred_at: _TEXT
    pledge_id: _TEXT
    postings: Annotated[list[_Posting], msgspec.Meta(min_length=2)]
    provider_event_id: str | _ABSENT = msgspec.UNSET
    provider_reference: str | _ABSENT = msgspec.UNSET
    receipt_reuse_reason: str | _ABSENT = msgspec.UNSET
    receipt_sha256: _TEXT
    recorded_at: _TEXT
    recorded_by: _TEXT
    reverses_seq: _JCS_INT | None
    seq: _JCS_INT
    vendor: _TEXT


_decode = msgspec.json.Decoder(_Leaf).decode
_encode = msgspec.json.Encoder().encode
_seq = attrgetter("seq")
_postings = attrgetter("postings")
_amount = attrgetter("amount")


def plainly_good(lines: list[bytes], expected_seq: int) -> bool:
    """True when every line (without its newline) is a canonical leaf-shaped entry with seq
    `expected_seq`, `expected_seq + 1`, … and postings that sum to zero: exactly what the
    line-by-line checks would pass without a word. False says only "ask them"."""
    try:
        entries = list(map(_decode, lines))
    except (msgspec.DecodeError, RecursionError):  # a ValidationError is a DecodeError
        return False
    return (
        # Each line compared alone, not the batch joined: a line must be canonical by itself.
        all(map(eq, map(_encode, entries), lines))
        and list(map(_seq, entries)) == list(range(expected_seq, expected_seq + len(lines)))
        # Every posting is in the entry's currency (a posting with its own is an unknown key),
        # so balancing is one sum per entry.
        and not any(map(sum, map(map, repeat(_amount), map(_postings, entries))))
    )
