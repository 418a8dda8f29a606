"""Checkpoints and signed notes: the Go reference vector, key forms, and strict parsing."""

from __future__ import annotations

import base64
import hashlib

import pytest

from services.ledger.domain.signed_note import (
    BadSignature,
    Checkpoint,
    MalformedNote,
    Signer,
    UnverifiedNote,
    Verifier,
    generate_signer,
    open_note,
    sign_note,
)

ROOT = hashlib.sha256(b"some root").digest()


def test_signing_the_reference_text_reproduces_the_reference_note(
    signed_note_vector: dict[str, str],
) -> None:
    signer = Signer.from_skey(signed_note_vector["skey"])
    assert sign_note(signed_note_vector["text"], signer) == signed_note_vector["note"]


def test_opening_the_reference_note_returns_its_text(signed_note_vector: dict[str, str]) -> None:
    verifier = Verifier.from_vkey(signed_note_vector["vkey"])
    assert open_note(signed_note_vector["note"], verifier) == signed_note_vector["text"]


def test_reference_keys_round_trip(signed_note_vector: dict[str, str]) -> None:
    signer = Signer.from_skey(signed_note_vector["skey"])
    assert signer.skey == signed_note_vector["skey"]
    assert signer.vkey == signed_note_vector["vkey"]
    assert Verifier.from_vkey(signed_note_vector["vkey"]).vkey == signed_note_vector["vkey"]


def test_key_id_is_the_hash_of_name_newline_algorithm_and_key(
    signed_note_vector: dict[str, str],
) -> None:
    name, hex_id, encoded = signed_note_vector["vkey"].split("+", 2)
    digest = hashlib.sha256(name.encode() + b"\n" + base64.b64decode(encoded)).digest()
    assert digest[:4].hex() == hex_id
    assert Verifier.from_vkey(signed_note_vector["vkey"]).key_id == int(hex_id, 16)


def test_a_key_with_the_wrong_id_is_refused(signed_note_vector: dict[str, str]) -> None:
    name, _, encoded = signed_note_vector["vkey"].split("+", 2)
    with pytest.raises(MalformedNote, match="does not match"):
        Verifier.from_vkey(f"{name}+00000000+{encoded}")
    with pytest.raises(MalformedNote):
        Signer.from_skey(signed_note_vector["vkey"])


def test_generated_keys_sign_and_verify_and_serialise() -> None:
    signer = generate_signer("fundtrail.local")
    again = Signer.from_skey(signer.skey)
    assert again.vkey == signer.vkey
    assert signer.vkey.startswith("fundtrail.local+")
    note = sign_note("hello\n", again)
    assert open_note(note, Verifier.from_vkey(signer.vkey)) == "hello\n"
    assert generate_signer("fundtrail.local").vkey != signer.vkey


@pytest.mark.parametrize("name", ["", "has space", "a+b", "tab\there"])
def test_key_names_follow_the_spec(name: str) -> None:
    with pytest.raises(MalformedNote):
        Signer(name, bytes(32))


def test_a_note_from_another_key_is_unverified() -> None:
    note = sign_note("text\n", generate_signer("log"))
    with pytest.raises(UnverifiedNote):
        open_note(note, generate_signer("log").verifier)


def test_a_changed_text_or_signature_does_not_verify() -> None:
    signer = generate_signer("log")
    note = sign_note("size 5\n", signer)
    with pytest.raises(BadSignature):
        open_note(note.replace("size 5", "size 6"), signer.verifier)
    text, signature_line = note.split("\n\n")
    name, encoded = signature_line.rstrip("\n").split(" ")[1:]
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    forged = f"{text}\n\n\u2014 {name} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(BadSignature):
        open_note(forged, signer.verifier)


def test_unknown_signatures_are_ignored_beside_a_trusted_one() -> None:
    trusted, witness = generate_signer("log"), generate_signer("witness")
    note = sign_note("body\n", trusted)
    witness_line = sign_note("body\n", witness).split("\n\n")[1]
    cosigned = note + witness_line
    assert open_note(cosigned, trusted.verifier) == "body\n"
    assert open_note(cosigned, [witness.verifier, trusted.verifier]) == "body\n"


@pytest.mark.parametrize(
    "note",
    [
        "no signature block\n",
        "text\n\n\u2014 log\n",
        "text\n\n- log AAAAAAAA\n",
        "text\n\n\u2014 log !!notbase64!!\n",
        "text\n\n\u2014 log AAAA\n",
        "text\x07bell\n\n\u2014 log AAAAAAAA\n",
        "text\n\n\u2014 log AAAAAAAA",
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(MalformedNote):
        open_note(note, generate_signer("log").verifier)


def test_text_must_end_in_a_newline_to_be_signed() -> None:
    with pytest.raises(MalformedNote):
        sign_note("no newline", generate_signer("log"))


def test_checkpoint_text_is_three_lines_each_ending_in_newline() -> None:
    checkpoint = Checkpoint("fundtrail.local/campaigns/c1", 5, ROOT)
    expected = f"fundtrail.local/campaigns/c1\n5\n{base64.b64encode(ROOT).decode()}\n"
    assert checkpoint.to_text() == expected
    assert Checkpoint.from_text(expected) == checkpoint


def test_the_c2sp_example_checkpoint_parses() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = Checkpoint.from_text(text)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.tree_size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.to_text() == text


def test_extension_lines_survive_a_round_trip() -> None:
    checkpoint = Checkpoint("o", 0, ROOT, ("ext one", "ext two"))
    assert checkpoint.to_text().endswith("\next one\next two\n")
    assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint


@pytest.mark.parametrize("size_line", ["05", "-1", "+5", "5 ", "\uff15", "1_000", "", "0x10"])
def test_tree_size_must_be_plain_decimal(size_line: str) -> None:
    root = base64.b64encode(ROOT).decode()
    with pytest.raises(MalformedNote):
        Checkpoint.from_text(f"origin\n{size_line}\n{root}\n")


@pytest.mark.parametrize(
    "text",
    [
        "origin\n5\n",
        "\n5\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n5\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "origin\n5\n" + base64.b64encode(ROOT).decode(),
        "origin\n5\n" + base64.b64encode(ROOT).decode() + "\n\n",
        "origin\n5\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(MalformedNote):
        Checkpoint.from_text(text)


def test_a_signed_checkpoint_opens_and_parses() -> None:
    signer = generate_signer("fundtrail.local")
    checkpoint = Checkpoint("fundtrail.local/campaigns/c1", 42, ROOT)
    note = sign_note(checkpoint.to_text(), signer)
    assert Checkpoint.from_text(open_note(note, signer.verifier)) == checkpoint
