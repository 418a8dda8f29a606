"""API tokens: signed by one key, checked anywhere, refused when forged, expired or revoked."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import (
    DEFAULT_TOKEN_LIFETIME,
    ExpiredToken,
    InvalidToken,
    MissingPublicKey,
    TokenIssuer,
    TokenVerifier,
    load_or_create_signing_key,
    load_public_key,
    parse_duration,
    public_key_text,
)
from shared.config import Settings


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
            "exp": 2**40,
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


# --- expiry, ids, lifetimes --------------------------------------------------------------------


def test_a_token_carries_its_id_issue_time_and_expiry(key: Ed25519PrivateKey) -> None:
    now = datetime(2026, 11, 24, 12, 0, 30, 999_000, tzinfo=UTC)
    issued = TokenIssuer(key, lifetime=timedelta(days=30)).mint(uuid.uuid4(), "backer", now=now)
    claims = jwt.decode(issued.token, options={"verify_signature": False})
    assert claims["jti"] == str(issued.token_id)
    assert claims["iat"] == int(now.timestamp())
    assert claims["exp"] == claims["iat"] + 30 * 86400
    assert issued.expires_at == datetime(2026, 12, 24, 12, 0, 30, tzinfo=UTC)
    assert issued.expires_at.timestamp() == claims["exp"]


def test_a_lifetime_given_at_issuance_beats_the_default(key: Ed25519PrivateKey) -> None:
    issued = TokenIssuer(key).mint(uuid.uuid4(), "backer", lifetime=timedelta(hours=12))
    assert issued.expires_at - issued.issued_at == timedelta(hours=12)
    default = TokenIssuer(key).mint(uuid.uuid4(), "backer")
    assert default.expires_at - default.issued_at == DEFAULT_TOKEN_LIFETIME == timedelta(days=30)


def test_a_fresh_token_names_its_expiry(key: Ed25519PrivateKey) -> None:
    issued = TokenIssuer(key).mint(uuid.uuid4(), "auditor")
    principal = verifier(key).verify(issued.token)
    assert (principal.token_id, principal.expires_at) == (issued.token_id, issued.expires_at)


def test_an_expired_token_is_refused_saying_so(key: Ed25519PrivateKey) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=31)
    token = TokenIssuer(key).issue(uuid.uuid4(), "admin", now=long_ago)
    with pytest.raises(ExpiredToken, match="expired"):
        verifier(key).verify(token)


def test_clocks_a_little_apart_are_tolerated(key: Ed25519PrivateKey) -> None:
    # Expired 30 s ago by this clock, or issued 30 s in its future: within the leeway.
    now = datetime.now(UTC)
    just_expired = TokenIssuer(key, lifetime=timedelta(minutes=1)).issue(
        uuid.uuid4(), "backer", now=now - timedelta(seconds=90)
    )
    from_the_future = TokenIssuer(key).issue(
        uuid.uuid4(), "backer", now=now + timedelta(seconds=30)
    )
    verifier(key).verify(just_expired)
    verifier(key).verify(from_the_future)
    well_expired = TokenIssuer(key, lifetime=timedelta(minutes=1)).issue(
        uuid.uuid4(), "backer", now=now - timedelta(seconds=61 + 60 + 5)
    )
    with pytest.raises(ExpiredToken):
        verifier(key).verify(well_expired)


def test_a_token_without_an_expiry_is_refused(key: Ed25519PrivateKey) -> None:
    # What every token looked like before tokens expired: it must not live for ever.
    claims = {"iss": "fundtrail", "sub": str(uuid.uuid4()), "role": "admin"}
    token = jwt.encode({**claims, "jti": str(uuid.uuid4()), "iat": 0}, key, algorithm="EdDSA")
    with pytest.raises(InvalidToken, match="exp"):
        verifier(key).verify(token)


def test_a_revoked_token_is_refused_but_not_its_siblings(key: Ed25519PrivateKey) -> None:
    account_id = uuid.uuid4()
    issuer = TokenIssuer(key)
    revoked, sibling = issuer.mint(account_id, "creator"), issuer.mint(account_id, "creator")
    check = TokenVerifier(
        key.public_key(), lambda _account: False, lambda token_id: token_id == revoked.token_id
    )
    with pytest.raises(InvalidToken, match="token has been revoked"):
        check.verify(revoked.token)
    assert check.verify(sibling.token).account_id == account_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("2w", timedelta(weeks=2)),
        ("3600", timedelta(hours=1)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "d", "1.5h", "-1d", "10y", "1d2h", "ten"])
def test_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize("lifetime", [timedelta(0), timedelta(days=366)])
def test_lifetimes_out_of_bounds_are_refused(key: Ed25519PrivateKey, lifetime: timedelta) -> None:
    with pytest.raises(ValueError, match="lifetime|at most"):
        TokenIssuer(key).mint(uuid.uuid4(), "backer", lifetime=lifetime)


def test_the_lifetime_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FUNDTRAIL_TOKEN_LIFETIME", raising=False)
    assert Settings.load("pledges").token_lifetime == timedelta(days=30)
    monkeypatch.setenv("FUNDTRAIL_TOKEN_LIFETIME", "12h")
    assert Settings.load("pledges").token_lifetime == timedelta(hours=12)
    monkeypatch.setenv("FUNDTRAIL_TOKEN_LIFETIME", "forever")
    with pytest.raises(ValueError, match="FUNDTRAIL_TOKEN_LIFETIME"):
        Settings.load("pledges")


# --- keys: only the issuer holds the private half ----------------------------------------------


def test_the_public_key_is_written_beside_the_private_one(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path / "k.key", tmp_path / "k.pub")
    assert (tmp_path / "k.pub").read_text() == public_key_text(key) + "\n"
    token = TokenIssuer(key).issue(uuid.uuid4(), "backer")
    public = load_public_key("", tmp_path / "k.pub")
    assert TokenVerifier(public, lambda _: False).verify(token).role == "backer"


def test_the_public_key_setting_beats_the_file(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    token = TokenIssuer(key).issue(uuid.uuid4(), "backer")
    public = load_public_key(public_key_text(key), tmp_path / "absent.pub")
    assert TokenVerifier(public, lambda _: False).verify(token).role == "backer"


def test_no_public_key_is_a_clear_refusal(tmp_path: Path) -> None:
    with pytest.raises(MissingPublicKey, match="FUNDTRAIL_TOKEN_PUBLIC_KEY"):
        load_public_key("", tmp_path / "absent.pub")
    (tmp_path / "bad.pub").write_text("not base64 at all\n")
    with pytest.raises(MissingPublicKey, match="bad.pub"):
        load_public_key("", tmp_path / "bad.pub")


# --- verified tokens kept per process ------------------------------------------------------------


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_kept_token_is_still_refused_once_revoked(key: Ed25519PrivateKey) -> None:
    account_id = uuid.uuid4()
    issued = TokenIssuer(key).mint(account_id, "backer")
    revoked_accounts: set[uuid.UUID] = set()
    revoked_tokens: set[uuid.UUID] = set()
    check = TokenVerifier(key.public_key(), revoked_accounts.__contains__,
                          revoked_tokens.__contains__)  # fmt: skip
    assert check.verify(issued.token).token_id == issued.token_id  # now kept
    revoked_tokens.add(issued.token_id)
    with pytest.raises(InvalidToken, match="token has been revoked"):
        check.verify(issued.token)
    revoked_tokens.clear()
    revoked_accounts.add(account_id)
    with pytest.raises(InvalidToken, match="account has been revoked"):
        check.verify(issued.token)


def test_a_kept_token_dies_at_its_expiry_plus_the_leeway(key: Ed25519PrivateKey) -> None:
    issued = TokenIssuer(key).mint(uuid.uuid4(), "backer", lifetime=timedelta(hours=1))
    clock = _Clock(issued.issued_at)
    check = TokenVerifier(key.public_key(), lambda _: False, leeway=timedelta(seconds=60),
                          clock=clock)  # fmt: skip
    check.verify(issued.token)  # kept from here on
    clock.now = issued.expires_at + timedelta(seconds=59)
    assert check.verify(issued.token).token_id == issued.token_id
    clock.now = issued.expires_at + timedelta(seconds=60)
    with pytest.raises(ExpiredToken):
        check.verify(issued.token)


def test_kept_tokens_are_not_checked_again_but_a_changed_one_is(
    key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = TokenIssuer(key).issue(uuid.uuid4(), "backer")
    check = verifier(key)
    check.verify(token)
    decodes = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: decodes.append(1) or real_decode(*a, **k))
    for _ in range(3):
        check.verify(token)
    assert decodes == []
    header, payload, signature = token.split(".")
    # Another signature for the same claims: a different key, verified (and refused) in full.
    tampered = f"{header}.{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for _ in range(2):
        with pytest.raises(InvalidToken):
            check.verify(tampered)
    assert decodes == [1, 1]
