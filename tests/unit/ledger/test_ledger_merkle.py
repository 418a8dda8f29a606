"""Merkle log: RFC 6962 vectors, a from-the-RFC reference model, and property tests."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ledger.domain import merkle
from services.ledger.domain.merkle import InvalidProof, MemoryNodeStore, MissingNode


def _h(hex_values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in hex_values]


def _store_with(leaves: Sequence[bytes]) -> MemoryNodeStore:
    store = MemoryNodeStore()
    for index, leaf in enumerate(leaves):
        store.append(index, leaf)
    return store


def _leaves(count: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {index}".encode()) for index in range(count)]


# A direct transcription of RFC 6962 §2.1's recursive definitions, kept naive on purpose so
# that it shares nothing with the stored-node implementation under test.
def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return _path(m, leaves[:k]) + [_mth(leaves[k:])]
    return _path(m - k, leaves[k:]) + [_mth(leaves[:k])]


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [_mth(leaves)]
    k = _k(n)
    if m <= k:
        return _subproof(m, leaves[:k], whole) + [_mth(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [_mth(leaves[:k])]


class CountingStore:
    """Wraps a store and records every batch read, to check the O(log n) promise."""

    def __init__(self, inner: MemoryNodeStore) -> None:
        self.inner = inner
        self.calls: list[int] = []

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        self.calls.append(len(keys))
        return self.inner.get_nodes(keys)


def test_empty_tree_has_the_published_empty_root(rfc6962_vectors: dict[str, Any]) -> None:
    assert merkle.EMPTY_ROOT.hex() == rfc6962_vectors["empty_root"]
    assert merkle.root_hash(MemoryNodeStore(), 0).hex() == rfc6962_vectors["empty_root"]
    assert merkle.root_from_leaves([]).hex() == rfc6962_vectors["empty_root"]


def test_every_root_by_size_matches_the_vectors(rfc6962_vectors: dict[str, Any]) -> None:
    leaves = [merkle.leaf_hash(data) for data in _h(rfc6962_vectors["leaf_inputs"])]
    store = _store_with(leaves)
    for size, expected in rfc6962_vectors["roots_by_size"].items():
        assert merkle.root_hash(store, int(size)).hex() == expected, size
        assert merkle.root_from_leaves(leaves[: int(size)]).hex() == expected, size


def test_inclusion_proofs_are_generated_and_verified_as_published(
    rfc6962_vectors: dict[str, Any],
) -> None:
    leaves = [merkle.leaf_hash(data) for data in _h(rfc6962_vectors["leaf_inputs"])]
    store = _store_with(leaves)
    roots = rfc6962_vectors["roots_by_size"]
    for case in rfc6962_vectors["inclusion_proofs"]:
        index, size, proof = case["leaf_index"], case["tree_size"], _h(case["proof"])
        assert merkle.inclusion_proof(store, index, size) == proof, case
        root = bytes.fromhex(roots[str(size)])
        merkle.verify_inclusion(leaves[index], index, size, proof, root)


def test_consistency_proofs_are_generated_and_verified_as_published(
    rfc6962_vectors: dict[str, Any],
) -> None:
    leaves = [merkle.leaf_hash(data) for data in _h(rfc6962_vectors["leaf_inputs"])]
    store = _store_with(leaves)
    roots = rfc6962_vectors["roots_by_size"]
    for case in rfc6962_vectors["consistency_proofs"]:
        old, new, proof = case["size1"], case["size2"], _h(case["proof"])
        assert merkle.consistency_proof(store, old, new) == proof, case
        old_root, new_root = bytes.fromhex(roots[str(old)]), bytes.fromhex(roots[str(new)])
        merkle.verify_consistency(old, new, old_root, new_root, proof)


def test_every_small_tree_matches_the_rfc_definitions() -> None:
    leaves = _leaves(20)
    store = _store_with(leaves)
    for size in range(1, len(leaves) + 1):
        root = _mth(leaves[:size])
        assert merkle.root_hash(store, size) == root
        for index in range(size):
            proof = merkle.inclusion_proof(store, index, size)
            assert proof == _path(index, leaves[:size])
            merkle.verify_inclusion(leaves[index], index, size, proof, root)
        for old in range(1, size + 1):
            proof = merkle.consistency_proof(store, old, size)
            assert proof == _subproof(old, leaves[:size], True)
            merkle.verify_consistency(old, size, _mth(leaves[:old]), root, proof)


def test_appending_stores_exactly_the_perfect_subtrees() -> None:
    leaves = _leaves(13)
    store = _store_with(leaves)
    expected = {
        (level, index): _mth(leaves[index << level : (index + 1) << level])
        for level in range(4)
        for index in range(len(leaves) >> level)
    }
    assert store.nodes == expected


def test_batched_appends_equal_one_by_one_appends() -> None:
    leaves = _leaves(23)
    one_by_one = _store_with(leaves)
    batched = _store_with(leaves[:5])
    batched.add(merkle.nodes_for_appends(batched, 5, leaves[5:]))
    assert batched.nodes == one_by_one.nodes


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=6))
def test_a_compact_range_extended_in_batches_equals_leaf_by_leaf(batches: list[int]) -> None:
    """`extend` cuts a batch into perfect subtrees wherever the range allows, aligned or not:
    its peaks, size and root are those of appending each leaf hash in turn."""
    leaves = _leaves(sum(batches))
    one_by_one, batched = merkle.CompactRange(), merkle.CompactRange()
    start = 0
    for count in batches:
        batched.extend(leaves[start : start + count])
        for leaf in leaves[start : start + count]:
            one_by_one.append(leaf)
        start += count
        assert (batched.size, batched.peaks) == (one_by_one.size, one_by_one.peaks)
    assert batched.root() == _mth(leaves)


def test_a_compact_range_refuses_what_is_not_a_leaf_hash() -> None:
    compact = merkle.CompactRange()
    for bad in ([b"short"], [bytearray(32)], [*_leaves(3), b"x" * 33]):
        with pytest.raises(ValueError, match="32 bytes"):
            compact.extend(bad)  # type: ignore[arg-type]
    assert (compact.size, compact.peaks) == (0, [])


def test_leaf_hashes_are_each_lines_leaf_hash() -> None:
    lines = [b"", b"a", b"{}" * 300]
    assert merkle.leaf_hashes(lines) == [merkle.leaf_hash(line) for line in lines]


def test_roots_and_proofs_read_logarithmically_many_nodes_in_one_batch() -> None:
    size = 1000
    store = CountingStore(_store_with(_leaves(size)))
    bound = 2 * size.bit_length()
    for tree_size in (1, 7, 512, 513, 777, 999, 1000):
        merkle.root_hash(store, tree_size)
        merkle.inclusion_proof(store, tree_size // 3, tree_size)
        merkle.consistency_proof(store, max(1, tree_size // 2 - 1), tree_size)
        merkle.nodes_for_append(store, tree_size, merkle.leaf_hash(b"x"))
        assert len(store.calls) <= 4
        assert max(store.calls) <= bound
        store.calls.clear()


def test_asking_beyond_the_stored_tree_raises_missing_node() -> None:
    store = _store_with(_leaves(5))
    with pytest.raises(MissingNode):
        merkle.root_hash(store, 6)
    with pytest.raises(MissingNode):
        merkle.inclusion_proof(store, 0, 8)


def test_impossible_proof_requests_are_refused() -> None:
    store = _store_with(_leaves(5))
    with pytest.raises(ValueError):
        merkle.inclusion_proof(store, 5, 5)
    with pytest.raises(ValueError):
        merkle.consistency_proof(store, 4, 3)


def test_consistency_from_empty_and_between_equal_sizes() -> None:
    leaves = _leaves(6)
    root = _mth(leaves)
    merkle.verify_consistency(0, 6, merkle.EMPTY_ROOT, root, [])
    merkle.verify_consistency(6, 6, root, root, [])
    with pytest.raises(InvalidProof, match="same tree size"):
        merkle.verify_consistency(6, 6, root, _mth(leaves[:5]), [])
    with pytest.raises(InvalidProof, match="empty"):
        merkle.verify_consistency(0, 6, root, root, [])


def test_proofs_of_the_wrong_length_are_refused() -> None:
    leaves = _leaves(11)
    store = _store_with(leaves)
    root = _mth(leaves)
    proof = merkle.inclusion_proof(store, 4, 11)
    with pytest.raises(InvalidProof, match="hashes"):
        merkle.verify_inclusion(leaves[4], 4, 11, proof[:-1], root)
    with pytest.raises(InvalidProof, match="hashes"):
        merkle.verify_inclusion(leaves[4], 4, 11, [*proof, proof[0]], root)
    consistency = merkle.consistency_proof(store, 3, 11)
    with pytest.raises(InvalidProof, match="hashes"):
        merkle.verify_consistency(3, 11, _mth(leaves[:3]), root, consistency[1:])


def _flip(proof: list[bytes], data: st.DataObject) -> list[bytes]:
    position = data.draw(st.integers(0, len(proof) - 1), label="hash")
    offset = data.draw(st.integers(0, merkle.HASH_SIZE - 1), label="byte")
    mask = data.draw(st.integers(1, 255), label="mask")
    damaged = bytearray(proof[position])
    damaged[offset] ^= mask
    return [*proof[:position], bytes(damaged), *proof[position + 1 :]]


@settings(max_examples=60, deadline=None)
@given(count=st.integers(1, 300), data=st.data())
def test_stored_nodes_roots_and_proofs_agree_for_random_trees(
    count: int, data: st.DataObject
) -> None:
    leaves = _leaves(count)
    store = _store_with(leaves)
    size = data.draw(st.integers(1, count), label="size")
    root = merkle.root_from_leaves(leaves[:size])
    assert merkle.root_hash(store, size) == root

    index = data.draw(st.integers(0, size - 1), label="index")
    proof = merkle.inclusion_proof(store, index, size)
    merkle.verify_inclusion(leaves[index], index, size, proof, root)
    if proof:
        with pytest.raises(InvalidProof):
            merkle.verify_inclusion(leaves[index], index, size, _flip(proof, data), root)

    old = data.draw(st.integers(1, size), label="old size")
    old_root = merkle.root_from_leaves(leaves[:old])
    consistency = merkle.consistency_proof(store, old, size)
    merkle.verify_consistency(old, size, old_root, root, consistency)
    if consistency:
        with pytest.raises(InvalidProof):
            merkle.verify_consistency(old, size, old_root, root, _flip(consistency, data))


@settings(max_examples=40, deadline=None)
@given(count=st.integers(2, 200), data=st.data())
def test_a_proof_does_not_verify_against_another_root_or_leaf(
    count: int, data: st.DataObject
) -> None:
    leaves = _leaves(count)
    store = _store_with(leaves)
    index = data.draw(st.integers(0, count - 1), label="index")
    proof = merkle.inclusion_proof(store, index, count)
    root = merkle.root_hash(store, count)
    with pytest.raises(InvalidProof):
        merkle.verify_inclusion(merkle.leaf_hash(b"forged"), index, count, proof, root)
    with pytest.raises(InvalidProof):
        merkle.verify_inclusion(leaves[index], index, count, proof, merkle.root_hash(store, 1))
