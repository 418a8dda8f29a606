"""The CSV export's formatting: amounts, injection-safe text, RFC 4180, dates and audiences."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.ledger.domain.accounts_chart import expense_postings
from services.ledger.domain.entries import Entry, EntryKind, MalformedLeaf
from services.ledger.exports.csv_format import (
    AUDITOR_COLUMNS,
    CHUNK_ROWS,
    COLUMNS,
    csv_export,
    safe_text,
)
from services.ledger.exports.entries import (
    Audience,
    DateRange,
    ExportEntry,
    decimal_text,
    entry_date,
    entry_from_leaf,
)
from services.ledger.settings import LedgerSettings
from shared.config import Settings
from shared.money import currency_exponent, to_major_units


def entry(seq: int, kind: str = "expense", amount: int = 1500, **fields: object) -> ExportEntry:
    funds = amount if kind == "contribution" else -amount
    other = "income:pledges" if kind == "contribution" else "expenses:printing"
    values: dict[str, object] = {
        "seq": seq,
        "kind": kind,
        "day": date(2026, 1, 5),
        "occurred_at": "2026-01-05T10:00:00Z",
        "recorded_at": "2026-01-05T10:00:01Z",
        "amount": amount,
        "currency": "EUR",
        "category": "printing" if kind == "expense" else None,
        "memo": "Proof copies" if kind == "expense" else None,
        "vendor": "PrintCo" if kind == "expense" else None,
        "pledge_id": None,
        "receipt_sha256": "ab" * 32 if kind == "expense" else None,
        "reverses_seq": None,
        "receipt_reuse_reason": None,
        "postings": (("assets:funds", funds), (other, -funds)),
        "leaf_hash": bytes([seq % 256]) * 32,
    }
    values.update(fields)
    return ExportEntry(**values)  # type: ignore[arg-type]


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (1500, "EUR", "15.00"),
        (-1500, "EUR", "-15.00"),
        (5, "EUR", "0.05"),
        (-5, "EUR", "-0.05"),
        (0, "EUR", "0.00"),
        (1500, "JPY", "1500"),
        (-1500, "JPY", "-1500"),
        (1500, "KWD", "1.500"),
        (10**12, "EUR", "10000000000.00"),
    ],
)
def test_amounts_are_plain_decimals_in_the_currencys_units(
    amount: int, currency: str, text: str
) -> None:
    assert decimal_text(amount, currency_exponent(currency)) == text


@given(st.integers(-(10**15), 10**15), st.sampled_from(["EUR", "JPY", "KWD", "USD", "BHD"]))
def test_amounts_read_as_the_shared_money_helper_writes_them(amount: int, currency: str) -> None:
    assert decimal_text(amount, currency_exponent(currency)) == str(
        to_major_units(amount, currency)
    )


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\0"])
def test_text_that_could_start_a_formula_gets_a_quote_mark(start: str) -> None:
    assert safe_text(start + "SUM(A1:A9)") == "'" + start + "SUM(A1:A9)"


@pytest.mark.parametrize("text", ["Proof copies", "a=b", "Café -10%", "'quoted", "15.00"])
def test_other_text_is_left_alone(text: str) -> None:
    assert safe_text(text) == text
    assert safe_text(None) == safe_text("") == ""


def test_the_csv_is_rfc_4180_with_inert_text_and_numeric_amounts() -> None:
    rows = [
        entry(0, "contribution", 10_000, pledge_id=str(uuid.UUID(int=1))),
        entry(1, memo='=HYPERLINK("http://x")', vendor="-cmd", category="@home"),
        entry(2, memo='Line one, "quoted"\nline two', amount=9_000),
    ]

    text = "".join(csv_export(rows, 2))

    assert text.startswith(",".join(COLUMNS) + "\r\n")
    # CRLF ends each record; the line break inside a quoted description stays as it was.
    assert text.count("\r\n") == 4 and text.count("\n") == 5
    header, first, injected, quoted = table(text)
    assert header == list(COLUMNS)
    cells = dict(zip(header, injected, strict=True))
    assert cells["description"] == '\'=HYPERLINK("http://x")'
    assert (cells["vendor"], cells["category"]) == ("'-cmd", "'@home")
    assert (cells["amount"], cells["amount_minor"], cells["funds_change"]) == (
        "15.00",
        "1500",
        "-15.00",
    )
    assert cells["funds_balance"] == "85.00"
    assert cells["leaf_hash"] == "01" * 32
    last = dict(zip(header, quoted, strict=True))
    assert last["description"] == 'Line one, "quoted"\nline two'
    # Below zero, the balance is still a plain negative number.
    assert last["funds_balance"] == "-5.00"
    assert dict(zip(header, first, strict=True))["pledge_id"] == str(uuid.UUID(int=1))


def test_dates_filter_rows_but_the_balance_counts_every_entry() -> None:
    rows = [
        entry(0, "contribution", 10_000, day=date(2026, 1, 1)),
        entry(1, day=date(2026, 1, 5)),
        entry(2, day=date(2026, 2, 1)),
        entry(3, day=date(2026, 2, 2)),
    ]

    text = "".join(csv_export(rows, 2, DateRange(date(2026, 1, 5), date(2026, 2, 1))))

    shown = [dict(zip(COLUMNS, row, strict=True)) for row in table(text)[1:]]
    assert [(r["seq"], r["funds_balance"]) for r in shown] == [("1", "85.00"), ("2", "70.00")]


def test_an_auditor_gets_backer_ids_and_receipt_links() -> None:
    backer = uuid.uuid4()
    rows = [entry(0, "contribution", 10_000, backer_id=backer), entry(1)]
    audience = Audience(backers=True, receipt_url_prefix="https://ledger.example/r/")

    header, contribution, expense = table("".join(csv_export(rows, 2, audience=audience)))

    assert header == [*COLUMNS, *AUDITOR_COLUMNS]
    assert contribution[-2:] == [str(backer), ""]
    assert expense[-2:] == ["", "https://ledger.example/r/" + "ab" * 32]
    # The public never sees the backer, even when the row carries it.
    public = table("".join(csv_export(rows, 2)))
    assert public[0] == list(COLUMNS) and str(backer) not in str(public)


def test_big_exports_come_in_chunks() -> None:
    rows = (entry(seq, "contribution", 100) for seq in range(CHUNK_ROWS * 2 + 3))

    chunks = list(csv_export(rows, 2))

    assert len(chunks) == 3
    assert len(table("".join(chunks))) == CHUNK_ROWS * 2 + 4


def test_a_leaf_becomes_its_row_with_the_expense_dated_by_incurred_on() -> None:
    leaf = (
        b'{"amount":1500,"category":"printing","currency":"EUR","event_id":null,'
        b'"incurred_on":"2026-01-05","kind":"expense","memo":"Proof","occurred_at":'
        b'"2026-02-01T23:30:00Z","pledge_id":null,"postings":[{"account":"expenses:printing",'
        b'"amount":1500},{"account":"assets:funds","amount":-1500}],"receipt_sha256":"'
        + b"ab" * 32
        + b'","recorded_at":"2026-02-01T23:30:00Z","recorded_by":"'
        + str(uuid.UUID(int=7)).encode()
        + b'","reverses_seq":null,"seq":4,"vendor":"PrintCo"}'
    )

    row = entry_from_leaf(leaf, b"\x01" * 32)

    assert (row.seq, row.day, row.funds_change, row.vendor) == (
        4,
        date(2026, 1, 5),
        -1500,
        "PrintCo",
    )
    assert entry_date(None, "2026-02-01T23:30:00Z") == date(2026, 2, 1)


@pytest.mark.parametrize(
    "change",
    [
        (b'"amount":1500,', b'"amount":1500.0,'),  # a float
        (b'"seq":4,', b'"seq": 4,'),  # not canonical
        (b'"recorded_by":"', b'"recorded_by":null,"x":"'),  # not the leaf's keys
    ],
)
def test_an_export_reads_a_leaf_through_the_domains_entry(change: tuple[bytes, bytes]) -> None:
    # One reading of the leaf format: what the reports and the verifier refuse, exports refuse.
    entry = Entry(
        seq=4,
        kind=EntryKind.EXPENSE,
        amount=1500,
        currency="EUR",
        category="printing",
        memo="Proof",
        occurred_at=datetime(2026, 2, 1, tzinfo=UTC),
        recorded_at=datetime(2026, 2, 1, tzinfo=UTC),
        postings=expense_postings(1500, "printing"),
        recorded_by=uuid.UUID(int=7),
        receipt_sha256="ab" * 32,
        vendor="PrintCo",
        incurred_on=date(2026, 1, 5),
    )
    assert entry_from_leaf(entry.leaf_data(), b"\x01" * 32).memo == "Proof"

    with pytest.raises(MalformedLeaf):
        entry_from_leaf(entry.leaf_data().replace(*change), b"\x01" * 32)


def test_a_date_range_is_inclusive_and_refuses_to_run_backwards() -> None:
    days = DateRange(date(2026, 1, 1), date(2026, 1, 31))
    assert date(2026, 1, 1) in days and date(2026, 1, 31) in days
    assert date(2025, 12, 31) not in days and date(2026, 2, 1) not in days
    assert date(1999, 1, 1) in DateRange(None, date(2026, 1, 1))
    with pytest.raises(ValueError, match="start after"):
        DateRange(date(2026, 2, 1), date(2026, 1, 1))


def test_the_public_url_setting_defaults_to_the_local_ledger(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEDGER_PUBLIC_URL", raising=False)
    assert LedgerSettings.load(Settings.load("ledger", {"var_dir": Path("/v")})).public_url == (
        "http://127.0.0.1:8002"
    )
    monkeypatch.setenv("LEDGER_PUBLIC_URL", "https://ledger.example.org/")
    loaded = LedgerSettings.load(Settings.load("ledger", {"var_dir": Path("/v")}))
    assert loaded.public_url == "https://ledger.example.org"
    with pytest.raises(ValueError, match="LEDGER_PUBLIC_URL"):
        LedgerSettings.load(
            Settings.load("ledger", {"var_dir": Path("/v"), "extra": {"public_url": "ftp://x"}})
        )


#: Columns that hold numbers the ledger writes; every other column holds text.
NUMERIC = {"seq", "amount", "amount_minor", "funds_change", "funds_balance", "reverses_seq"}


def test_every_text_cell_is_quoted_and_numbers_stay_bare() -> None:
    # A spreadsheet in a semicolon locale splits an unquoted `x;=1+1` and reads `=1+1` as a
    # formula; quoted, the cell is one piece of text.
    rows = [entry(0, vendor="x;=1+1", memo="a;b", category="print;ing", reverses_seq=None)]

    text = "".join(csv_export(rows, 2))

    record = text.split("\r\n")[1]
    cells = next(csv.reader(io.StringIO(record)))
    raw = record.split(",")
    assert len(raw) == len(COLUMNS)  # no text here holds a comma, so this splits the record
    for name, shown, written in zip(COLUMNS, cells, raw, strict=True):
        if name in NUMERIC:  # an empty one (no reversed entry) is an empty text cell
            assert written == '""' if shown == "" else not written.startswith('"'), name
        else:
            assert written == f'"{shown}"', name
    assert dict(zip(COLUMNS, cells, strict=True))["amount"] == "15.00"


@pytest.mark.parametrize("text", ["x;=1+1", "x;+1", "x; ok;@SUM(A1)", "a;\tb", "=1;-2"])
def test_no_piece_between_semicolons_starts_a_formula(text: str) -> None:
    # A reader splitting at `;` while ignoring the quotes still meets no formula start.
    record = "".join(csv_export([entry(0, vendor=text, memo=text)], 2)).split("\r\n")[1]

    pieces = [piece.lstrip('"') for piece in record.split(";")]

    assert not any(piece.startswith(("=", "+", "@", "\t", "\r", "\0")) for piece in pieces[1:])
    assert dict(zip(COLUMNS, table(record)[0], strict=True))["vendor"].replace("'", "") == text
