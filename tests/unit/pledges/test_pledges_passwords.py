"""New passwords: long enough, and not one that lists of breached passwords or a guesser's
dictionary would find first (zxcvbn's frequency lists)."""

from __future__ import annotations

import pytest

from services.pledges.domain.accounts import WeakPassword, check_password


@pytest.mark.parametrize(
    "password",
    [
        "qwertyuiop123456",
        "iloveyou12345678",
        "Password12345678!",
        "passwordpassword",
        "123456789012345",
        "letmeinletmeinletmein",
        "x" * 120 + "y" * 8,
    ],
)
def test_common_breached_or_repetitive_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password(password)
    assert refused.value.field == "password"
    assert str(refused.value.message).startswith("is too easy to guess")


def test_the_persons_own_name_or_address_makes_a_weak_password() -> None:
    with pytest.raises(WeakPassword):
        check_password("ada.lovelace@example.test", name="Ada", email="ada.lovelace@example.test")


@pytest.mark.parametrize(
    "password",
    [
        "a sentence only I would write",
        "not the right password at all",
        "the quick brown fox jumps over the lazy dog, twice or thrice!!",
        "yet another one!!",
    ],
)
def test_passphrases_of_ones_own_are_welcome(password: str) -> None:
    assert check_password(password) == password
