"""API tokens: signed by one key, checked anywhere, refused when forged or revoked."""

from __future__ import annotations

import base64
import json
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import InvalidToken, TokenIssuer, TokenVerifier


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def verifier(key: Ed25519PrivateKey, revoked: set[uuid.UUID] | None = None) -> TokenVerifier:
    return TokenVerifier(key.public_key(), lambda account_id: account_id in (revoked or set()))


def test_a_token_names_its_account_and_role(key: Ed25519PrivateKey) -> None:
    account_id = uuid.uuid4()
    principal = verifier(key).verify(TokenIssuer(key).issue(account_id, "creator"))
    assert (principal.account_id, principal.role) == (account_id, "creator")


def test_two_tokens_for_one_account_differ(key: Ed25519PrivateKey) -> None:
    account_id = uuid.uuid4()
    issuer = TokenIssuer(key)
    assert issuer.issue(account_id, "backer") != issuer.issue(account_id, "backer")


def test_a_token_signed_by_another_key_is_refused(key: Ed25519PrivateKey) -> None:
    forged = TokenIssuer(Ed25519PrivateKey.generate()).issue(uuid.uuid4(), "admin")
    with pytest.raises(InvalidToken):
        verifier(key).verify(forged)


def test_a_token_whose_role_was_edited_is_refused(key: Ed25519PrivateKey) -> None:
    header, payload, signature = TokenIssuer(key).issue(uuid.uuid4(), "backer").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        verifier(key).verify(f"{header}.{edited}.{signature}")


def test_an_unsigned_token_is_refused(key: Ed25519PrivateKey) -> None:
    unsigned = jwt.encode(
        {
            "iss": "fundtrail",
            "sub": str(uuid.uuid4()),
            "role": "admin",
            "jti": str(uuid.uuid4()),
            "iat": 0,
        },
        key=None,
        algorithm="none",
    )
    with pytest.raises(InvalidToken):
        verifier(key).verify(unsigned)


def test_a_token_missing_claims_is_refused(key: Ed25519PrivateKey) -> None:
    token = jwt.encode({"iss": "fundtrail", "sub": str(uuid.uuid4())}, key, algorithm="EdDSA")
    with pytest.raises(InvalidToken):
        verifier(key).verify(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x"])
def test_garbage_is_refused(key: Ed25519PrivateKey, garbage: str) -> None:
    with pytest.raises(InvalidToken):
        verifier(key).verify(garbage)


def test_a_revoked_account_is_refused(key: Ed25519PrivateKey) -> None:
    account_id = uuid.uuid4()
    token = TokenIssuer(key).issue(account_id, "creator")
    with pytest.raises(InvalidToken, match="revoked"):
        verifier(key, revoked={account_id}).verify(token)


def test_unknown_roles_cannot_be_issued(key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError):
        TokenIssuer(key).issue(uuid.uuid4(), "root")
