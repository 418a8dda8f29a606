"""The encrypted session cookie: nothing readable inside, nothing accepted that the site did not
make, old secrets still accepted while they are being rotated out."""

from __future__ import annotations

import base64
import time

import pytest
from itsdangerous import BadSignature

from services.site.sessions import SessionCipher

SESSION = {"token": "eyJhbGciOiJFZERTQSJ9.secret-part.signature", "email": "ada@example.org"}


def test_a_session_comes_back_as_it_went_in_and_reads_as_nothing_on_its_own() -> None:
    cipher = SessionCipher([b"s" * 64])

    cookie = cipher.dumps(SESSION)

    assert cipher.loads(cookie, max_age=60) == SESSION
    decoded = base64.urlsafe_b64decode(cookie)
    for secret in ("eyJhbGciOiJFZERTQSJ9", "secret-part", "ada@example.org", '"token"'):
        assert secret not in cookie and secret.encode() not in decoded


def test_each_cookie_is_different_even_for_the_same_session() -> None:
    cipher = SessionCipher([b"s" * 64])

    assert cipher.dumps(SESSION) != cipher.dumps(SESSION)


@pytest.mark.parametrize("position", [0, 10, 40, -5, -1])
def test_a_changed_cookie_is_refused(position: int) -> None:
    cipher = SessionCipher([b"s" * 64])
    cookie = cipher.dumps(SESSION)
    swapped = "B" if cookie[position] != "B" else "C"
    changed = cookie[:position] + swapped + (cookie[position + 1 :] if position != -1 else "")

    with pytest.raises(BadSignature):
        cipher.loads(changed, max_age=60)


@pytest.mark.parametrize("cookie", ["", "not a cookie", "ünïcode", "eyJ0b2tlbiI6IngifQ.abc.def"])
def test_anything_else_is_refused(cookie: str) -> None:
    with pytest.raises(BadSignature):
        SessionCipher([b"s" * 64]).loads(cookie, max_age=60)


def test_a_cookie_made_with_another_secret_is_refused() -> None:
    cookie = SessionCipher([b"a" * 64]).dumps(SESSION)

    with pytest.raises(BadSignature):
        SessionCipher([b"b" * 64]).loads(cookie, max_age=60)


def test_an_old_secret_still_opens_its_cookies_while_the_new_one_makes_them() -> None:
    old_cookie = SessionCipher([b"old" * 20]).dumps(SESSION)
    rotated = SessionCipher([b"new" * 20, b"old" * 20])

    assert rotated.loads(old_cookie, max_age=60) == SESSION
    with pytest.raises(BadSignature):
        SessionCipher([b"old" * 20]).loads(rotated.dumps(SESSION), max_age=60)


def test_a_cookie_older_than_the_session_lifetime_is_refused() -> None:
    cipher = SessionCipher([b"s" * 64])
    cookie = cipher.dumps(SESSION)
    time.sleep(1.1)  # Fernet's timestamps are whole seconds

    with pytest.raises(BadSignature):
        cipher.loads(cookie, max_age=0)
    assert cipher.loads(cookie, max_age=60) == SESSION


def test_the_site_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        SessionCipher([])
