"""Offline verification of ledger exports and checkpoints: the logic behind `fundtrail verify`.

An export line is exactly one entry's leaf data (its RFC 8785 canonical JSON). Entries in an
export therefore do NOT carry a `leaf_hash` field: the leaf data cannot contain its own hash.
The verifier recomputes each leaf hash from the line's bytes instead, and refuses a line that
holds a `leaf_hash` field. Lines are checked a batch at a time (`BATCH_LINES`), so memory stays
bounded: one batch and O(log n) hashes.
"""

from __future__ import annotations

import base64
import binascii
import io
import itertools
import json
import os
import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

import msgspec

from services.ledger import verify_batch
from services.ledger.domain import merkle
from services.ledger.domain.canonical import NotCanonicalisable, canonical_json
from services.ledger.domain.signed_note import Checkpoint, NoteError, Verifier, open_note

if TYPE_CHECKING:
    from concurrent.futures import Future

KEY = "key"
SIGNATURE = "signature"
CHECKPOINT = "checkpoint"
ORIGIN = "origin"
JSON = "json"
CANONICAL = "canonical"
SEQ = "seq"
POSTINGS = "postings"
LEAF_HASH = "leaf_hash"
TREE_SIZE = "tree_size"
ROOT = "root"
PROOF = "proof"
CONSISTENCY = "consistency"

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class Failure:
    """One failure, located as precisely as the check allows."""

    #: The name of the check that failed (one of this module's constants, e.g. `"root"`).
    check: str
    #: What was wrong, for people.
    message: str
    #: 1-based line of the export, when the problem is in one line.
    line: int | None = None
    #: The entry's `seq`, when the line had a readable one.
    seq: int | None = None

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        where += [f"seq {self.seq}"] if self.seq is not None else []
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{prefix}{self.check}: {self.message}"


@dataclass(frozen=True)
class Check:
    """One thing the verifier checked, and how it went."""

    #: Short name, the same as `Failure.check`.
    name: str
    #: What was checked, for people.
    description: str
    #: `skipped` when an earlier failure left nothing trustworthy to check against.
    status: Status


@dataclass(frozen=True)
class Report:
    """Everything a verification checked and every problem it found."""

    #: The checks in the order they were made.
    checks: list[Check]
    #: The first problems found (at most `max_problems`), in the order found.
    problems: list[Failure]
    #: Problems found beyond those kept, counted so a huge broken export stays cheap.
    more_problems: int = 0
    #: Export lines read (0 for a consistency check).
    entries: int = 0
    #: The (newest) checkpoint checked against, once it verified and parsed.
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.status == "passed" for check in self.checks)

    @property
    def failed_checks(self) -> list[str]:
        return [check.name for check in self.checks if check.status == "failed"]

    def render(self) -> str:
        """A plain-text account for a terminal: each check, then each problem."""
        marks = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}
        lines = [f"{marks[check.status]} {check.description}" for check in self.checks]
        lines += [f"  - {problem}" for problem in self.problems]
        if self.more_problems:
            lines.append(f"  … and {self.more_problems} more problems")
        lines.append("verified" if self.ok else "NOT verified")
        return "\n".join(lines) + "\n"


def verify_export(
    jsonl_lines: Iterable[bytes],
    checkpoint_note: str,
    vkey: str,
    *,
    origin: str | None = None,
    max_problems: int = 100,
) -> Report:
    """Verify an `export.jsonl` against a signed checkpoint and the log's verifier key.

    `jsonl_lines` are the raw lines (a file opened in binary mode will do); a trailing newline
    on each is allowed. When `origin` is given, the checkpoint must name that log.
    """
    audit, checkpoint = _start_export_audit(checkpoint_note, vkey, origin, max_problems)
    compact = merkle.CompactRange()
    _check_lines(audit, _batches(jsonl_lines), compact, 0, 0)
    return _finish_export_audit(audit, compact, checkpoint)


#: Below this size an export is checked in this process alone: starting a second one costs
#: more than it saves, and `fundtrail verify` of a small export should answer at once.
PARALLEL_FROM_BYTES = 8 * 1024 * 1024
#: The largest part of an export one worker checks at a time: its leaf hashes (32 bytes a
#: line, about 7% of the part) are held until folded.
PART_BYTES = 64 * 1024 * 1024


def verify_export_file(
    path: Path,
    checkpoint_note: str,
    vkey: str,
    *,
    origin: str | None = None,
    max_problems: int = 100,
    processes: int | None = None,
    parallel_from_bytes: int = PARALLEL_FROM_BYTES,
) -> Report:
    """`verify_export` of the file at `path`, on the cores the machine has free when the file is
    large (`idle_cores`; `processes` overrides how many; 1 checks it in this process alone).

    The file is cut at line ends into parts (at least four per process, at most
    `PART_BYTES` each, so memory stays bounded). Worker processes hash each part's lines and
    check them the fast way; a part whose every line is plainly good (canonical, balanced, no
    `leaf_hash`, seq running on from the part before) contributes just its leaf hashes, which
    this process folds into the tree in order. From the first part that is not, this process
    checks the rest of the file itself, from the same state, as `verify_export` does: every
    verdict and message is the one a single pass gives.
    """
    if processes is None:
        processes = idle_cores()
    size = path.stat().st_size
    # Four parts a process, not one: this process folds each part's hashes as it comes back,
    # while the workers go on with the next, so only the last (small) part's fold is waited for.
    parts = _parts(path, size, max(4 * processes, -(-size // PART_BYTES)))
    if processes < 2 or size < parallel_from_bytes or len(parts) < 2:
        with path.open("rb") as lines:
            return verify_export(lines, checkpoint_note, vkey, origin=origin,
                                 max_problems=max_problems)  # fmt: skip
    # Imported only for a large export: they are a sixth of the command's start-up otherwise.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    audit, checkpoint = _start_export_audit(checkpoint_note, vkey, origin, max_problems)
    compact = merkle.CompactRange()
    number = expected = 0
    # fork: the workers start in milliseconds with this module already imported (the CLI has
    # no threads to be copied half-way); elsewhere the platform's default.
    context = (
        multiprocessing.get_context("fork")
        if "fork" in multiprocessing.get_all_start_methods()
        else None
    )
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        # A few parts in flight, not all: their results wait here until folded.
        scans: deque[Future[tuple[bytes, int, int | None, bool]]] = deque()
        queued = iter(parts)
        for start, end in itertools.islice(queued, 2 * processes):
            scans.append(pool.submit(_scan_part, str(path), start, end))
        for start, _end in parts:
            hashes, count, first_seq, plainly_good = scans.popleft().result()
            if not plainly_good or first_seq != expected:
                for scan in scans:
                    scan.cancel()
                with path.open("rb") as file:
                    file.seek(start)
                    batches = _file_batches(file)
                    number, expected = _check_lines(audit, batches, compact, number, expected)
                break
            for next_start, next_end in itertools.islice(queued, 1):
                scans.append(pool.submit(_scan_part, str(path), next_start, next_end))
            _fold(compact, hashes)
            number += count
            expected += count
    return _finish_export_audit(audit, compact, checkpoint)


def idle_cores() -> int:
    """How many processes to check an export with: this one, plus one for each core the
    machine is not busy with (by the 1-minute load average). On a busy machine a second
    process only queues for a core and adds its start and the fold: measured under load 5-10
    on 2 cores, two processes were 0.8x the speed of one (docs/benchmarks.md)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this platform
        return cores
    return max(1, min(cores, int(cores - load + 1)))


def _start_export_audit(
    checkpoint_note: str, vkey: str, origin: str | None, max_problems: int
) -> tuple[_Audit, Checkpoint | None]:
    audit = _Audit(max_problems)
    checkpoint = _open_checkpoint(audit, checkpoint_note, vkey, "checkpoint")
    if origin is not None:
        audit.start(ORIGIN, f"checkpoint origin is {origin}")
        if checkpoint is None:
            audit.skip(ORIGIN)
        elif checkpoint.origin != origin:
            audit.fail(ORIGIN, f"checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    audit.start(JSON, "every line is a JSON object of ints, strings, lists, bools and nulls")
    audit.start(CANONICAL, "every line is RFC 8785 canonical JSON")
    audit.start(SEQ, "seq runs 0, 1, 2, … with no gap or reordering")
    audit.start(POSTINGS, "each entry's postings sum to zero per currency")
    audit.start(LEAF_HASH, "no entry carries a leaf_hash field (it is computed from the line)")
    return audit, checkpoint


#: Lines judged together by the fast path (about half a megabyte of a typical export): enough
#: that its per-batch calls vanish, few enough that memory stays small. A power of two, so that
#: each full batch of a single pass is one perfect subtree of the log.
BATCH_LINES = 1024


#: How much of a file is read at once: its lines are split out by one C call per block.
BLOCK_BYTES = 1024 * 1024


def _batches(jsonl_lines: Iterable[bytes]) -> Iterator[list[bytes]]:
    """The lines without their newlines, `BATCH_LINES` at a time (a file opened in binary mode
    is read in blocks: the lines are the same, split at each newline as iterating it splits)."""
    if isinstance(jsonl_lines, io.BufferedIOBase | io.RawIOBase):
        yield from _file_batches(jsonl_lines)
        return
    lines = iter(jsonl_lines)
    while batch := list(itertools.islice(lines, BATCH_LINES)):
        yield list(map(bytes.removesuffix, batch, itertools.repeat(b"\n")))


def _file_batches(
    file: BinaryIO | io.BufferedIOBase | io.RawIOBase, limit: int | None = None
) -> Iterator[list[bytes]]:
    """The lines of `file` from where it stands (up to `limit` bytes, which end at a line's
    end), without their newlines, `BATCH_LINES` at a time."""
    left = -1 if limit is None else limit
    lines: list[bytes] = []
    tail = b""
    while left and (block := file.read(BLOCK_BYTES if left < 0 else min(BLOCK_BYTES, left))):
        left -= len(block) if left > 0 else 0
        lines += (tail + block).split(b"\n")
        tail = lines.pop()  # the start of a line the next block ends ("" after a newline)
        while len(lines) >= BATCH_LINES:
            yield lines[:BATCH_LINES]
            del lines[:BATCH_LINES]
    if tail:  # a last line without a newline
        lines.append(tail)
    for start in range(0, len(lines), BATCH_LINES):
        yield lines[start : start + BATCH_LINES]


def _check_lines(
    audit: _Audit,
    batches: Iterable[list[bytes]],
    compact: merkle.CompactRange,
    number: int,
    expected_seq: int,
) -> tuple[int, int]:
    """Hash and check lines following `number` lines already read (whose leaves `compact`
    holds) and the seq `expected_seq`; return both as they stand after the last line.

    A batch of lines that the fast path finds plainly good is taken whole (nothing to report,
    each seq the one expected); any other batch is checked line by line for its messages."""
    for data in batches:
        leaves = merkle.leaf_hashes(data)
        if verify_batch.plainly_good(data, expected_seq):
            compact.extend(leaves)
            number += len(data)
            expected_seq += len(data)
        else:
            number, expected_seq = _check_each(audit, data, leaves, compact, number, expected_seq)
    return number, expected_seq


def _check_each(
    audit: _Audit,
    lines: list[bytes],
    leaves: list[bytes],
    compact: merkle.CompactRange,
    number: int,
    expected_seq: int,
) -> tuple[int, int]:
    """`_check_lines` one line at a time, given the lines (without newlines) and their leaves."""
    for number, (data, leaf) in enumerate(zip(lines, leaves, strict=True), start=number + 1):  # noqa: B020
        compact.append(leaf)
        entry = _read_entry_fast(audit, data, number)
        if entry is None:
            expected_seq += 1
        elif _plainly_good(entry, expected_seq):
            expected_seq += 1  # what `_check_entry` concludes for a good entry, without the call
        else:
            expected_seq = _check_entry(audit, entry, number, expected_seq)
    return number, expected_seq


def _plainly_good(entry: dict[str, Any], expected_seq: int) -> bool:
    """True when `_check_entry` would find nothing wrong (and only then)."""
    return (
        type(entry.get("seq")) is int
        and entry["seq"] == expected_seq
        and LEAF_HASH not in entry
        and _postings_balance(entry)
    )


def _finish_export_audit(
    audit: _Audit, compact: merkle.CompactRange, checkpoint: Checkpoint | None
) -> Report:
    audit.start(TREE_SIZE, "the number of entries equals the checkpoint's tree size")
    audit.start(ROOT, "the Merkle root of the lines equals the checkpoint's root hash")
    if checkpoint is None:
        audit.skip(TREE_SIZE)
        audit.skip(ROOT)
    else:
        if compact.size != checkpoint.tree_size:
            audit.fail(
                TREE_SIZE,
                f"export has {compact.size} entries, checkpoint says {checkpoint.tree_size}",
            )
        root = compact.root()
        if root != checkpoint.root_hash:
            audit.fail(
                ROOT,
                f"recomputed root {_b64(root)} differs from the checkpoint's "
                f"{_b64(checkpoint.root_hash)}",
            )
    return audit.report(entries=compact.size, checkpoint=checkpoint)


def _parts(path: Path, size: int, count: int) -> list[tuple[int, int]]:
    """`count` byte ranges of the file (fewer if it has few lines), each ending after a
    newline or at the end of the file, so that each holds whole lines."""
    bounds = [0]
    with path.open("rb") as file:
        for cut in range(1, count):
            file.seek(max(size * cut // count - 1, bounds[-1]))
            file.readline()  # on to just after the next newline
            position = file.tell()
            if position >= size:
                break
            if position > bounds[-1]:
                bounds.append(position)
    bounds.append(size)
    return list(itertools.pairwise(bounds))


def _scan_part(path: str, start: int, end: int) -> tuple[bytes, int, int | None, bool]:
    """In a worker process: the leaf hashes of one part's lines (concatenated), how many lines,
    the first line's seq, and whether every line is plainly good with seqs running on from
    the first. It stops at the first batch that is not: the parent checks from there itself."""
    hashes: list[bytes] = []
    first_seq: int | None = None
    with open(path, "rb") as file:
        file.seek(start)
        for data in _file_batches(file, end - start):
            if first_seq is None and (first_seq := _seq_of(data[0])) is None:
                return b"", 0, None, False
            expected = first_seq + len(hashes)
            if not (
                verify_batch.plainly_good(data, expected) or _each_plainly_good(data, expected)
            ):
                return b"", 0, first_seq, False
            hashes += merkle.leaf_hashes(data)
    return b"".join(hashes), len(hashes), first_seq, True


def _seq_of(data: bytes) -> int | None:
    """The line's seq, if it is a JSON object with an integer one (problems aside)."""
    entry = _fast_entry(data)
    if entry is None:
        entry = _read_entry(_Audit(max_problems=1), data, 1)
    seq = None if entry is None else entry.get("seq")
    return seq if type(seq) is int else None


def _each_plainly_good(lines: list[bytes], expected_seq: int) -> bool:
    """True when `_check_each` would report nothing for these lines, seqs from `expected_seq`:
    the batch check's verdict for lines only the exact path can vouch for."""
    for offset, data in enumerate(lines):
        entry = _fast_entry(data)
        if entry is None:  # the exact path, as `_read_entry_fast` would take
            scratch = _Audit(max_problems=1)
            entry = _read_entry(scratch, data, offset + 1)
            if scratch.failures or entry is None:
                return False
        if not _plainly_good(entry, expected_seq + offset):
            return False
    return True


def _fold(compact: merkle.CompactRange, hashes: bytes) -> None:
    """Append the concatenated 32-byte leaf hashes to `compact`."""
    size = merkle.HASH_SIZE
    ends = range(size, len(hashes) + size, size)
    compact.extend(list(map(hashes.__getitem__, map(slice, range(0, len(hashes), size), ends))))


def verify_consistency(
    old_note: str, new_note: str, proof_json: Mapping[str, Any], vkey: str
) -> Report:
    """Verify that the new signed checkpoint extends the old one, given the log's proof.

    `proof_json` is the body of `GET /campaigns/{id}/proof/consistency`:
    `{"from": old size, "to": new size, "hashes": [base64, …]}`.
    """
    audit = _Audit(max_problems=100)
    old = _open_checkpoint(audit, old_note, vkey, "old checkpoint")
    new = _open_checkpoint(audit, new_note, vkey, "new checkpoint")
    audit.start(ORIGIN, "both checkpoints are from the same log")
    audit.start(PROOF, "the proof is for these two tree sizes and well formed")
    audit.start(CONSISTENCY, "the new tree extends the old one (RFC 9162 §2.1.4.2)")
    if old is None or new is None:
        for name in (ORIGIN, PROOF, CONSISTENCY):
            audit.skip(name)
        return audit.report(checkpoint=new)
    if old.origin != new.origin:
        audit.fail(ORIGIN, f"old checkpoint is for {old.origin!r}, new for {new.origin!r}")
    hashes = _read_proof(audit, proof_json, old.tree_size, new.tree_size)
    if hashes is None:
        audit.skip(CONSISTENCY)
    else:
        try:
            merkle.verify_consistency(
                old.tree_size, new.tree_size, old.root_hash, new.root_hash, hashes
            )
        except merkle.InvalidProof as error:
            audit.fail(CONSISTENCY, str(error))
    return audit.report(checkpoint=new)


class _Audit:
    """Collects checks and problems while a verification runs."""

    def __init__(self, max_problems: int) -> None:
        self.max_problems = max_problems
        self.order: dict[str, str] = {}
        self.skipped: set[str] = set()
        self.failures: Counter[str] = Counter()
        self.problems: list[Failure] = []
        self.more_problems = 0

    def start(self, name: str, description: str) -> None:
        self.order.setdefault(name, description)

    def skip(self, name: str) -> None:
        self.skipped.add(name)

    def fail(
        self, name: str, message: str, line: int | None = None, seq: int | None = None
    ) -> None:
        self.failures[name] += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(Failure(name, message, line, seq))
        else:
            self.more_problems += 1

    def report(self, entries: int = 0, checkpoint: Checkpoint | None = None) -> Report:
        checks = [
            Check(name, description, self._status(name)) for name, description in self.order.items()
        ]
        return Report(checks, self.problems, self.more_problems, entries, checkpoint)

    def _status(self, name: str) -> Status:
        if self.failures[name]:
            return "failed"
        return "skipped" if name in self.skipped else "passed"


def _open_checkpoint(audit: _Audit, note: str, vkey: str, which: str) -> Checkpoint | None:
    """Check the key, the note's signature and the checkpoint body; None if any fails."""
    audit.start(KEY, "the verifier key is well formed")
    audit.start(SIGNATURE, "the checkpoint is signed by the verifier key")
    audit.start(CHECKPOINT, "the checkpoint is a well-formed C2SP tlog-checkpoint")
    try:
        verifier = Verifier.from_vkey(vkey)
    except NoteError as error:
        if not audit.failures[KEY]:
            audit.fail(KEY, str(error))
        audit.skip(SIGNATURE)
        audit.skip(CHECKPOINT)
        return None
    try:
        text = open_note(note, verifier)
    except NoteError as error:
        audit.fail(SIGNATURE, f"{which}: {error}")
        audit.skip(CHECKPOINT)
        return None
    try:
        return Checkpoint.from_text(text)
    except NoteError as error:
        audit.fail(CHECKPOINT, f"{which}: {error}")
        return None


def _no_floats(text: str) -> Any:
    raise ValueError("a float: let the exact path report it")


#: msgspec (C) parses and writes a line in about a fifth of the time of the standard library,
#: and an order of magnitude faster than rfc8785. Its float hook refuses floats (and it refuses
#: NaN and Infinity, BOMs, invalid UTF-8 and lone surrogates outright), as the exact path does.
_FAST_DECODE = msgspec.json.Decoder(float_hook=_no_floats).decode
#: For JSON of ints, strings, lists, dicts, bools and nulls, msgspec's sorted compact output
#: equals RFC 8785's except for (a) key order, which JCS takes by UTF-16 code units and msgspec
#: by code points (they differ only between U+E000..U+FFFF and astral characters), and (b)
#: integers beyond ±(2**53 - 1), which JCS refuses. Its string escapes are JCS's (\b \f \n
#: \r \t \" \\ and lowercase \u00xx for other control characters, all else raw UTF-8);
#: tests/unit/ledger/test_ledger_verify_fast_path.py checks all of this against rfc8785.
_FAST_CANONICAL = msgspec.json.Encoder(order="sorted").encode
#: Where (a) could matter: a UTF-8 lead byte of U+E000 and above (0xEE, 0xEF, 0xF0-0xF4; the
#: rest can't occur in UTF-8).
_FAST_UNSAFE = re.compile(rb"[\xee-\xff]")
#: Where (b) could: 16 digits in a row (2**53 has 16), found with two C calls, not a regex.
_DIGITS_AS_ZEROS = bytes.maketrans(b"0123456789", b"0" * 10)
_SIXTEEN_DIGITS = b"0" * 16


def _read_entry_fast(audit: _Audit, data: bytes, number: int) -> dict[str, Any] | None:
    """`_read_entry` for the common case, with the same verdict; anything unusual goes there.

    A line is accepted here only when it parses to an object and msgspec writes it back
    byte-identical with neither exception above possible, which is exactly when rfc8785 would
    reproduce the line too (and `json.loads` read the same object). Every failure, and every
    line this can't vouch for, is handed to `_read_entry`, so problems and their messages are
    the exact path's. Lines in ledger exports that this can't vouch for are rare.
    """
    entry = _fast_entry(data)
    return entry if entry is not None else _read_entry(audit, data, number)


def _fast_entry(data: bytes) -> dict[str, Any] | None:
    """The line's object when the fast path can vouch for it (see `_read_entry_fast`)."""
    if (data.isascii() or _FAST_UNSAFE.search(data) is None) and _SIXTEEN_DIGITS not in (
        data.translate(_DIGITS_AS_ZEROS)
    ):
        try:
            entry = _FAST_DECODE(data)
            if type(entry) is dict and _FAST_CANONICAL(entry) == data:
                return entry
        except (ValueError, RecursionError):  # msgspec's DecodeError is a ValueError
            pass
    return None


def _read_entry(audit: _Audit, data: bytes, number: int) -> dict[str, Any] | None:
    """Parse one line and check it is canonical; None when it isn't a usable JSON object."""
    try:
        entry = json.loads(
            data.decode("utf-8"), parse_float=_refuse_float, parse_constant=_refuse_float
        )
    except UnicodeDecodeError:
        audit.fail(JSON, "line is not valid UTF-8", line=number)
        return None
    except ValueError as error:  # JSONDecodeError and refused floats
        audit.fail(JSON, f"line is not valid ledger JSON: {error}", line=number)
        return None
    except RecursionError:
        audit.fail(JSON, "line nests too deeply to be a ledger entry", line=number)
        return None
    if not isinstance(entry, dict):
        audit.fail(JSON, "line is not a JSON object", line=number)
        return None
    seq = entry.get("seq") if _is_int(entry.get("seq")) else None
    try:
        canonical = canonical_json(entry)
    except NotCanonicalisable as error:
        audit.fail(JSON, str(error), line=number, seq=seq)
        return entry
    if canonical != data:
        audit.fail(CANONICAL, "line differs from its RFC 8785 canonical form", number, seq)
    return entry


def _check_entry(audit: _Audit, entry: Mapping[str, Any], number: int, expected: int) -> int:
    """Check one parsed entry; return the seq the next line should carry."""
    found = entry.get("seq")
    seq = found if isinstance(found, int) and not isinstance(found, bool) else None
    if seq is None:
        audit.fail(SEQ, f"seq is {found!r}, not an integer (expected {expected})", number)
        next_seq = expected + 1
    elif seq > expected:
        message = f"expected seq {expected}, found {seq}: entries missing or moved"
        audit.fail(SEQ, message, number, seq)
        # Resynchronise so one missing or moved entry is one or two problems, not thousands.
        next_seq = seq + 1
    elif seq < expected:
        message = f"expected seq {expected}, found {seq}: out of order or repeated"
        audit.fail(SEQ, message, number, seq)
        next_seq = expected
    else:
        next_seq = expected + 1
    if LEAF_HASH in entry:
        audit.fail(LEAF_HASH, "entry carries a leaf_hash field; exports must not", number, seq)
    if not _postings_balance(entry):
        for message in _postings_problems(entry):
            audit.fail(POSTINGS, message, number, seq)
    return next_seq


def _postings_balance(entry: Mapping[str, Any]) -> bool:
    """True when `_postings_problems` would find nothing; a quick yes, else ask it why not."""
    postings = entry.get("postings")
    if type(postings) is not list or len(postings) < 2:
        return False
    default = entry.get("currency")
    totals: dict[str, int] = {}
    for posting in postings:
        if type(posting) is not dict:
            return False
        account, amount = posting.get("account"), posting.get("amount")
        currency = posting.get("currency", default)
        if type(account) is not str or not account or type(amount) is not int:
            return False
        if type(currency) is not str:
            return False
        totals[currency] = totals.get(currency, 0) + amount
    return not any(totals.values())


def _postings_problems(entry: Mapping[str, Any]) -> list[str]:
    """Double-entry rule: at least two postings, each currency's amounts summing to zero."""
    postings = entry.get("postings")
    if not isinstance(postings, list) or len(postings) < 2:
        return ["postings must be a list of at least two {account, amount} objects"]
    totals: Counter[str] = Counter()
    problems: list[str] = []
    for position, posting in enumerate(postings):
        if not isinstance(posting, dict):
            problems.append(f"posting {position} is not an object")
            continue
        account, amount = posting.get("account"), posting.get("amount")
        currency = posting.get("currency", entry.get("currency"))
        if not isinstance(account, str) or not account:
            problems.append(f"posting {position} has no account")
        if not isinstance(amount, int) or isinstance(amount, bool):
            problems.append(f"posting {position} amount {amount!r} is not an integer")
        elif not isinstance(currency, str):
            problems.append(f"posting {position} has no currency (nor has the entry)")
        else:
            totals[currency] += amount
    problems += [
        f"postings in {currency} sum to {total}, not 0"
        for currency, total in sorted(totals.items())
        if total != 0
    ]
    return problems


def _read_proof(
    audit: _Audit, proof_json: Mapping[str, Any], old_size: int, new_size: int
) -> list[bytes] | None:
    """The proof's hashes, or None after recording why the proof document is unusable."""
    if not isinstance(proof_json, Mapping):
        audit.fail(PROOF, "proof is not a JSON object")
        return None
    for key, size in (("from", old_size), ("to", new_size)):
        if not _is_int(proof_json.get(key)) or proof_json[key] != size:
            audit.fail(PROOF, f"proof {key!r} is {proof_json.get(key)!r}, checkpoint says {size}")
    encoded = proof_json.get("hashes")
    if not isinstance(encoded, list):
        audit.fail(PROOF, "proof 'hashes' is not a list")
        return None
    hashes: list[bytes] = []
    for position, value in enumerate(encoded):
        try:
            raw = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
        except binascii.Error:
            raw = b""
        if len(raw) != merkle.HASH_SIZE:
            audit.fail(PROOF, f"proof hash {position} is not base64 of {merkle.HASH_SIZE} bytes")
        hashes.append(raw)
    return None if audit.failures[PROOF] else hashes


def _refuse_float(text: str) -> Any:
    raise ValueError(f"number {text} is not an integer (ledger JSON holds no floats)")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
