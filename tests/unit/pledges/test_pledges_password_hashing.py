"""Passwords are kept as argon2id hashes with production's parameters (the tests elsewhere hash
at argon2's cheapest, see tests/conftest.py)."""

from __future__ import annotations

import pytest

from services.pledges.handlers import sign_up


def test_passwords_are_hashed_with_argon2id_at_rfc_9106s_low_memory_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sign_up, "_passwords", None)  # as in a service process
    passwords = sign_up.default_passwords()

    stored = passwords.hash("a sentence only I would write")

    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify(stored, "a sentence only I would write")
    assert not passwords.verify(None, "a sentence only I would write")
