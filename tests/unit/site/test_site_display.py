"""How the site shows the services' answers: states in words, the ledger's decision on
expenses, a campaign's tiers as choices."""

from __future__ import annotations

import base64
import hashlib

from services.site import display


def test_states_and_kinds_read_as_words() -> None:
    assert display.in_words("payment_failed") == "payment failed"
    assert display.in_words("dispute_reversal") == "dispute reversal"
    assert display.in_words("live") == "live"
    assert display.in_words(None) == ""


def test_expenses_may_be_logged_only_when_the_ledger_says_so() -> None:
    assert display.can_log_expenses({"can_log_expenses": True}) is True
    assert display.can_log_expenses({"can_log_expenses": False}) is False
    # An older ledger that does not say, or one that has not heard of the campaign: not yet.
    assert display.can_log_expenses({"available": 100}) is False
    assert display.can_log_expenses(None) is False


def test_tiers_become_choices_with_their_least_amount() -> None:
    campaign = {"currency": "EUR", "tiers": [{"id": "t1", "name": "Bread", "min_amount": 1500}]}

    assert display.tier_options(campaign) == [("t1", "Bread (from €15.00)")]
    assert display.tier_options({"currency": "EUR", "tiers": None}) == []


def test_hashes_read_in_hex_whatever_form_the_api_gives() -> None:
    digest = hashlib.sha256(b"leaf").digest()
    assert display.hex_hash(base64.b64encode(digest).decode()) == digest.hex()
    assert display.hex_hash(digest.hex()) == digest.hex()  # already hex: as it came
    # Not a SHA-256 in base64 (too short, not base64, another length): shown as it came.
    for odd in ("", "abc=", "!" * 43 + "=", base64.b64encode(b"x" * 31).decode(), None):
        assert display.hex_hash(odd) == ("" if odd is None else odd)
    note = f"fundtrail.local/campaigns/x\n1\n{base64.b64encode(digest).decode()}\n\n— sig\n"
    assert display.checkpoint_root_hex(note) == digest.hex()
    assert display.checkpoint_root_hex(None) == ""
