"""RFC 6962 / RFC 9162 Merkle log: hashing, stored-subtree maintenance, proofs and verifiers.

The log stores the hash of every perfect subtree as leaves arrive: node (level, index) covers
leaves [index * 2**level, (index + 1) * 2**level). Any range that RFC 6962 needs (a root, a proof
step) is a short right fold of such nodes, so every root and proof for any tree size up to the
current one costs O(log n) stored reads, fetched in one batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

_sha256 = hashlib.sha256
#: The unbound `digest` of a hash object, so `map` can call it without a Python frame.
_digest = type(_sha256()).digest

HASH_SIZE = 32
NodeKey = tuple[int, int]
"""(level, index): the perfect subtree over leaves [index * 2**level, (index + 1) * 2**level)."""
Node = tuple[int, int, bytes]
"""(level, index, hash) of one stored perfect subtree."""

EMPTY_ROOT = hashlib.sha256(b"").digest()


class MissingNode(LookupError):
    """The node store lacks a subtree the computation needs (the tree is smaller than asked)."""


class InvalidProof(ValueError):
    """A proof does not verify; the message says which check failed."""


class NodeStore(Protocol):
    """Where stored subtree hashes live; one call per root or proof so adapters can batch."""

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Return the hashes of those `keys` that are stored; absent keys are simply left out."""
        ...


class MemoryNodeStore:
    """A dict-backed NodeStore for tests and for building proofs over an export in memory."""

    def __init__(self) -> None:
        self.nodes: dict[NodeKey, bytes] = {}

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        return {key: self.nodes[key] for key in keys if key in self.nodes}

    def add(self, nodes: Iterable[Node]) -> None:
        for level, index, value in nodes:
            self.nodes[(level, index)] = value

    def append(self, size: int, leaf: bytes) -> list[Node]:
        """Append one leaf hash to a tree of `size` leaves, storing and returning the new nodes."""
        new_nodes = nodes_for_append(self, size, leaf)
        self.add(new_nodes)
        return new_nodes


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 §2.1 leaf hash: SHA-256(0x00 ‖ data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def leaf_hashes(leaves: Iterable[bytes]) -> list[bytes]:
    """`leaf_hash` of each, computed by C-level iteration (no Python call per leaf)."""
    return list(map(_digest, map(_sha256, map(b"\x00".__add__, leaves))))


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 §2.1 interior node hash: SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def nodes_for_append(store: NodeStore, size: int, leaf: bytes) -> list[Node]:
    """The nodes to store when the leaf hash `leaf` becomes leaf number `size` (0-based).

    Besides the leaf itself, every perfect subtree that the new leaf completes: one per trailing
    one-bit of `size`, each joining a stored left sibling with the node just made.
    """
    _check_hash(leaf, "leaf hash", ValueError)
    if size < 0:
        raise ValueError(f"tree size must not be negative, got {size}")
    levels = _trailing_ones(size)
    siblings = _read(store, [(level, (size >> level) - 1) for level in range(levels)])
    new_nodes: list[Node] = [(0, size, leaf)]
    current = leaf
    for level in range(levels):
        current = node_hash(siblings[(level, (size >> level) - 1)], current)
        new_nodes.append((level + 1, size >> (level + 1), current))
    return new_nodes


def nodes_for_appends(store: NodeStore, size: int, leaves: Iterable[bytes]) -> list[Node]:
    """The nodes to store when several leaf hashes are appended in order to a tree of `size`."""
    pending = _Overlay(store)
    for offset, leaf in enumerate(leaves):
        pending.add(nodes_for_append(pending, size + offset, leaf))
    return pending.added


def perfect_subtrees(start: int, end: int) -> list[NodeKey]:
    """The stored nodes that make up leaves [start, end), largest first.

    Only ranges whose start is aligned to a power of two at least their length occur in RFC 6962
    (a root, or a sibling in a proof), and their hash is the right fold of these nodes.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range [{start}, {end})")
    keys: list[NodeKey] = []
    offset = start
    for level in range((end - start).bit_length() - 1, -1, -1):
        if (end - start) >> level & 1:
            if offset % (1 << level):
                raise ValueError(f"range [{start}, {end}) is not aligned to its subtrees")
            keys.append((level, offset >> level))
            offset += 1 << level
    return keys


def root_hash(store: NodeStore, size: int) -> bytes:
    """The RFC 6962 root of the first `size` leaves (EMPTY_ROOT for size 0)."""
    if size < 0:
        raise ValueError(f"tree size must not be negative, got {size}")
    if size == 0:
        return EMPTY_ROOT
    return _range_hashes(store, [(0, size)])[0]


def inclusion_proof(store: NodeStore, index: int, size: int) -> list[bytes]:
    """RFC 6962 §2.1.1 audit path for leaf `index` in the tree of `size` leaves, leaf-side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    return _range_hashes(store, inclusion_ranges(index, size))


def consistency_proof(store: NodeStore, old_size: int, new_size: int) -> list[bytes]:
    """RFC 6962 §2.1.2 proof that the tree of `old_size` leaves is a prefix of `new_size`."""
    return _range_hashes(store, consistency_ranges(old_size, new_size))


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form the audit path (RFC 6962 PATH, unrolled), leaf-side first."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
    return ranges[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form the consistency proof (RFC 6962 SUBPROOF, unrolled)."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, old_end = 0, new_size, old_size
    whole_old_tree = True
    while old_end != end:
        split = start + _largest_power_of_two_below(end - start)
        if old_end <= split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((start, end))
    return ranges[::-1]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an audit path (RFC 9162 §2.1.3.2); raise InvalidProof saying what failed."""
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    if not 0 <= index < size:
        raise InvalidProof(f"leaf index {index} is outside a tree of size {size}")
    expected_length = len(inclusion_ranges(index, size))
    if len(proof) != expected_length:
        raise InvalidProof(
            f"inclusion proof for leaf {index} of {size} has {len(proof)} hashes, "
            f"expected {expected_length}"
        )
    for position, element in enumerate(proof):
        _check_hash(element, f"proof hash {position}")
    computed = _inclusion_root(leaf, index, size, proof)
    if computed != root:
        raise InvalidProof(
            f"inclusion proof for leaf {index} of {size} leads to root "
            f"{computed.hex()}, not {root.hex()}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); raise InvalidProof saying what failed."""
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    for position, element in enumerate(proof):
        _check_hash(element, f"proof hash {position}")
    if not 0 <= old_size <= new_size:
        raise InvalidProof(f"tree size {new_size} cannot extend tree size {old_size}")
    if old_size == 0:
        if old_root != EMPTY_ROOT:
            raise InvalidProof("a tree of size 0 must have the empty root")
        if proof:
            raise InvalidProof("the proof from an empty tree must be empty")
        return
    if old_size == new_size:
        if proof:
            raise InvalidProof("the proof between equal tree sizes must be empty")
        if old_root != new_root:
            raise InvalidProof(f"two different roots for the same tree size {old_size}")
        return
    expected_length = len(consistency_ranges(old_size, new_size))
    if len(proof) != expected_length:
        raise InvalidProof(
            f"consistency proof from {old_size} to {new_size} has {len(proof)} hashes, "
            f"expected {expected_length}"
        )
    computed_old, computed_new = _consistency_roots(old_size, new_size, old_root, proof)
    if computed_old != old_root:
        raise InvalidProof(f"consistency proof does not lead to the old root at size {old_size}")
    if computed_new != new_root:
        raise InvalidProof(f"consistency proof does not lead to the new root at size {new_size}")


class CompactRange:
    """Running root over leaves appended in order, holding only O(log n) hashes.

    `peaks` are the perfect subtrees of the leaves so far, largest first: the same nodes
    `perfect_subtrees(0, size)` names, which is why one fold gives the root.
    """

    def __init__(self) -> None:
        self.size = 0
        self.peaks: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        _check_hash(leaf, "leaf hash", ValueError)
        current = leaf
        for _ in range(_trailing_ones(self.size)):
            current = node_hash(self.peaks.pop(), current)
        self.peaks.append(current)
        self.size += 1

    def extend(self, leaves: Sequence[bytes]) -> None:
        """`append` each leaf hash in turn, with the same result, but cut into the largest
        perfect subtrees the range allows, each hashed level by level with one C-level `map`
        per level: a verifier's tree then costs a few Python calls per batch, not per node."""
        if leaves and ({*map(type, leaves)} != {bytes} or {*map(len, leaves)} != {HASH_SIZE}):
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes")
        start = 0
        while start < len(leaves):
            left = len(leaves) - start
            # The largest power of two that is both aligned at this size and no more than is left.
            block = self.size & -self.size or 1 << (left.bit_length() - 1)
            while block > left:
                block >>= 1
            level = leaves[start : start + block]
            while len(level) > 1:
                pairs = map(bytes.__add__, level[::2], level[1::2])
                level = list(map(_digest, map(_sha256, map(b"\x01".__add__, pairs))))
            current = level[0]
            count = self.size >> (block.bit_length() - 1)
            while count & 1:  # as in `append`, one level up per completed subtree
                current = node_hash(self.peaks.pop(), current)
                count >>= 1
            self.peaks.append(current)
            self.size += block
            start += block

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        return _fold_right(self.peaks)


def root_from_leaves(leaves: Iterable[bytes]) -> bytes:
    """The RFC 6962 root of leaf hashes given in order, in one pass and O(log n) memory."""
    compact = CompactRange()
    for leaf in leaves:
        compact.append(leaf)
    return compact.root()


def _inclusion_root(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2 steps 2-4: the root a leaf and its audit path lead to."""
    fn, sn, result = index, size - 1, leaf
    for element in proof:
        if sn == 0:
            raise InvalidProof("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(element, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, element)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise InvalidProof("inclusion proof is shorter than the tree is deep")
    return result


def _consistency_roots(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 2-6: the old and new roots a consistency proof leads to."""
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        raise InvalidProof("consistency proof is empty")
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_result = new_result = path[0]
    for element in path[1:]:
        if sn == 0:
            raise InvalidProof("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            old_result = node_hash(element, old_result)
            new_result = node_hash(element, new_result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_result = node_hash(new_result, element)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise InvalidProof("consistency proof is shorter than the tree is deep")
    return old_result, new_result


def _range_hashes(store: NodeStore, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """Hash each leaf range from stored perfect subtrees, reading them all in one batch."""
    pieces = [perfect_subtrees(start, end) for start, end in ranges]
    nodes = _read(store, [key for keys in pieces for key in keys])
    return [_fold_right([nodes[key] for key in keys]) for keys in pieces]


def _read(store: NodeStore, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
    if not keys:
        return {}
    unique = list(dict.fromkeys(keys))
    found = store.get_nodes(unique)
    missing = [key for key in unique if key not in found]
    if missing:
        level, index = missing[0]
        raise MissingNode(
            f"node (level {level}, index {index}) is not stored; is the tree that large?"
        )
    return found


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """MTH of adjacent perfect subtrees given largest first: RFC 6962 splits off the left one."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _largest_power_of_two_below(n: int) -> int:
    """RFC 6962's k: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _trailing_ones(n: int) -> int:
    return (n ^ (n + 1)).bit_length() - 1


def _check_hash(value: bytes, what: str, error: type[ValueError] = InvalidProof) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise error(f"{what} must be {HASH_SIZE} bytes")


class _Overlay:
    """A NodeStore view of `base` plus nodes computed but not yet stored."""

    def __init__(self, base: NodeStore) -> None:
        self.base = base
        self.added: list[Node] = []
        self.pending: dict[NodeKey, bytes] = {}

    def add(self, nodes: Iterable[Node]) -> None:
        for level, index, value in nodes:
            self.added.append((level, index, value))
            self.pending[(level, index)] = value

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        found = {key: self.pending[key] for key in keys if key in self.pending}
        rest = [key for key in keys if key not in found]
        if rest:
            found.update(self.base.get_nodes(rest))
        return found
