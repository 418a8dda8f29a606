"""The beancount export's formatting: account names, strings, precision; checked by beancount."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from beancount import loader
from hypothesis import given
from hypothesis import strategies as st

from services.ledger.exports.beancount_format import (
    account_name,
    beancount_export,
    category_component,
    preamble,
    quote,
)
from services.ledger.exports.entries import Audience, DateRange, ExportEntry
from shared.money import currency_exponent

COMPONENT = re.compile(r"[A-Z0-9][A-Za-z0-9-]*")


def entry(seq: int, kind: str, amount: int, currency: str = "EUR", **fields: Any) -> ExportEntry:
    category = fields.pop("category", "printing")
    funds = amount if kind == "contribution" else -amount
    other = {"contribution": "income:pledges", "refund": "income:refunds"}.get(
        kind, f"expenses:{category}"
    )
    values: dict[str, Any] = {
        "seq": seq,
        "kind": kind,
        "day": date(2026, 1, 5),
        "occurred_at": "2026-01-05T10:00:00Z",
        "recorded_at": "2026-01-05T10:00:01Z",
        "amount": amount,
        "currency": currency,
        "category": category if kind == "expense" else None,
        "memo": "Proof copies" if kind == "expense" else None,
        "vendor": "PrintCo" if kind == "expense" else None,
        "pledge_id": str(uuid.UUID(int=seq)) if kind != "expense" else None,
        "receipt_sha256": None,
        "reverses_seq": None,
        "receipt_reuse_reason": None,
        "postings": (("assets:funds", funds), (other, -funds)),
        "leaf_hash": b"\x07" * 32,
    }
    values.update(fields)
    return ExportEntry(**values)


def journal(
    entries: list[ExportEntry], currency: str = "EUR", title: str = "Books", **kwargs: Any
) -> str:
    accounts = {account for e in entries for account, _ in e.postings}
    head = preamble(
        title=title,
        currency=currency,
        accounts=accounts,
        campaign_id=uuid.UUID(int=9),
        tree_size=len(entries),
        root_hash="AAAA",
    )
    return "".join(beancount_export(entries, currency_exponent(currency), head, **kwargs))


def load(text: str) -> tuple[list[Any], dict[str, Any]]:
    entries, errors, options = loader.load_string(text)
    assert errors == [], [error.message for error in errors]
    return entries, options


def totals(entries: list[Any]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for item in entries:
        for posting in getattr(item, "postings", None) or ():
            sums[posting.account] = sums.get(posting.account, Decimal(0)) + posting.units.number
    return sums


@pytest.mark.parametrize(
    ("category", "component"),
    [
        ("printing", "Printing"),
        ("box-art", "Box-Art"),
        ("2026", "2026"),
        ("Café & bar", "Cafe-Bar--d1111b6f"),
    ],
)
def test_categories_become_readable_components(category: str, component: str) -> None:
    assert category_component(category) == component


def test_awkward_categories_get_a_hash_that_keeps_them_apart() -> None:
    awkward = ["Art", "art", "ART", "café", "cafe", "Café", "日本語", "税金", " ", "a:b", "a/b"]
    names = [category_component(category) for category in awkward]
    assert len(set(names)) == len(awkward)
    assert all(COMPONENT.fullmatch(name) for name in names)
    assert category_component("日本語").startswith("Category--")


@given(st.text(min_size=1, max_size=64), st.text(min_size=1, max_size=64))
def test_every_category_maps_to_a_valid_name_of_its_own(first: str, second: str) -> None:
    assert COMPONENT.fullmatch(category_component(first))
    if first != second:
        assert category_component(first) != category_component(second)


def test_the_charts_accounts_map_to_beancount_roots() -> None:
    assert account_name("assets:funds") == "Assets:Funds"
    assert account_name("income:pledges") == "Income:Pledges"
    assert account_name("income:refunds") == "Income:Refunds"
    assert account_name("fees:processing") == "Expenses:Fees:Processing"
    assert account_name("fees:platform") == "Expenses:Fees:Platform"
    assert account_name("income:disputes") == "Income:Disputes"
    assert account_name("expenses:Café & bar") == "Expenses:Cafe-Bar--d1111b6f"
    with pytest.raises(ValueError, match="liabilities:loans"):
        account_name("liabilities:loans")


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_any_text_survives_as_a_beancount_string(text: str) -> None:
    entries, options = load(f'option "title" {quote(text)}\n')
    assert options["title"] == text


@pytest.mark.parametrize(
    ("currency", "amount", "written"),
    [("EUR", 1505, "15.05"), ("JPY", 1500, "1500"), ("KWD", 1505, "1.505")],
)
def test_amounts_keep_the_currencys_precision_and_balance(
    currency: str, amount: int, written: str
) -> None:
    entries = [
        entry(0, "contribution", amount * 3, currency),
        entry(1, "expense", amount, currency),
    ]

    text = journal(entries, currency)

    assert f"Expenses:Printing  {written} {currency}\n" in text
    loaded, options = load(text)
    assert options["operating_currency"] == [currency]
    exponent = currency_exponent(currency)
    assert totals(loaded) == {
        "Assets:Funds": Decimal(amount * 2).scaleb(-exponent),
        "Income:Pledges": Decimal(-amount * 3).scaleb(-exponent),
        "Expenses:Printing": Decimal(amount).scaleb(-exponent),
    }


def test_a_journal_with_every_kind_loads_with_its_metadata() -> None:
    backer = uuid.uuid4()
    entries = [
        entry(0, "contribution", 10_000, backer_id=backer),
        entry(
            1,
            "expense",
            9_000,
            category="Food & drink",
            memo='He said "hi"\\ and left\n',
            vendor="=cmd",
            receipt_sha256="cd" * 32,
            day=date(2020, 1, 1),
        ),
        entry(
            2,
            "reversal",
            9_000,
            category="Food & drink",
            memo="Wrong card",
            reverses_seq=1,
            postings=(("expenses:Food & drink", -9_000), ("assets:funds", 9_000)),
        ),
        entry(3, "refund", 10_000),
    ]
    audience = Audience(backers=True, receipt_url_prefix="https://l.example/r/")

    loaded, options = load(journal(entries, title='The "big" one', audience=audience))

    assert options["title"] == 'The "big" one'
    transactions = [item for item in loaded if type(item).__name__ == "Transaction"]
    by_seq = {item.meta["seq"]: item for item in transactions}
    assert set(by_seq) == {0, 1, 2, 3}
    assert by_seq[0].meta["backer_id"] == str(backer)
    assert by_seq[1].narration == 'He said "hi"\\ and left\n'
    assert (by_seq[1].payee, by_seq[1].date) == ("=cmd", date(2020, 1, 1))
    assert by_seq[1].meta["receipt_url"] == "https://l.example/r/" + "cd" * 32
    assert by_seq[2].meta["reverses_seq"] == 1
    sums = totals(loaded)
    assert sums[account_name("expenses:Food & drink")] == sums["Assets:Funds"] == 0
    assert (sums["Income:Pledges"], sums["Income:Refunds"]) == (Decimal(-100), Decimal(100))


def test_dates_filter_transactions_and_the_public_sees_no_backer() -> None:
    backer = uuid.uuid4()
    entries = [
        entry(0, "contribution", 10_000, day=date(2026, 1, 1), backer_id=backer),
        entry(1, "expense", 100, day=date(2026, 2, 1)),
    ]

    text = journal(entries, dates=DateRange(date(2026, 1, 15), None))

    loaded, _ = load(text)
    assert [item.meta["seq"] for item in loaded if hasattr(item, "postings")] == [1]
    assert str(backer) not in journal(entries)


def test_fees_and_disputes_load_with_the_providers_references() -> None:
    def provider(seq: int, kind: str, amount: int, postings: Any, **fields: Any) -> ExportEntry:
        return entry(
            seq, kind, amount, postings=postings, provider_reference=fields.pop("ref"),
            provider_event_id=f"evt_{seq}", **fields,
        )  # fmt: skip

    entries = [
        entry(0, "contribution", 10_000),
        provider(1, "fee", 320, (("fees:processing", 320), ("assets:funds", -320)),
                 category="processing", ref="txn_1"),
        provider(2, "fee", 500, (("fees:platform", 500), ("assets:funds", -500)),
                 category="platform", ref="txn_1"),
        provider(3, "dispute", 4_000, (("income:disputes", 4_000), ("assets:funds", -4_000)),
                 memo="fraudulent", ref="dp_1"),
        provider(4, "dispute_reversal", 4_000,
                 (("income:disputes", -4_000), ("assets:funds", 4_000)), ref="dp_1"),
    ]  # fmt: skip

    text = journal(entries)

    loaded, _ = load(text)
    by_seq = {i.meta["seq"]: i for i in loaded if type(i).__name__ == "Transaction"}
    assert by_seq[1].meta["provider_reference"] == "txn_1"
    assert by_seq[3].meta["provider_event_id"] == "evt_3"
    assert by_seq[3].narration == "Dispute (fraudulent) on pledge " + str(uuid.UUID(int=3))
    sums = totals(loaded)
    assert sums["Expenses:Fees:Processing"] == Decimal("3.20")
    assert sums["Expenses:Fees:Platform"] == Decimal("5.00")
    assert sums["Income:Disputes"] == 0
    assert sums["Assets:Funds"] == Decimal("91.80")
    for name in ("Expenses:Fees:Processing", "Expenses:Fees:Platform", "Income:Disputes"):
        assert all(COMPONENT.fullmatch(part) for part in name.split(":"))
