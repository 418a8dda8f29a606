"""The CSV and beancount exports over HTTP, on SQLite and PostgreSQL: columns, escaping, dates,
audiences, bean-check and the ledger's balances."""

from __future__ import annotations

import base64
import csv
import io
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader

from services.ledger.exports.csv_format import AUDITOR_COLUMNS, COLUMNS
from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, pledge_event, post_expense

pytestmark = pytest.mark.both_databases

HYPERLINK = '=HYPERLINK("http://x")'


@dataclass
class Books:
    """A campaign with every kind of entry, awkward categories, a refund and a shortfall."""

    campaign_id: uuid.UUID
    token: str
    #: pledge id -> backer account id, as the `pledge.collected` events said.
    backers: dict[str, str]
    receipts: list[str]

    def path(self, suffix: str) -> str:
        return f"/api/v1/campaigns/{self.campaign_id}/{suffix}"


def keep_books(ledger: Ledger) -> Books:
    budget = [
        {"category": "printing", "amount": 30_000},
        {"category": "Café & bar", "amount": 10_000},
    ]
    campaign_id, _, token = ledger.open_campaign(budget=budget)
    first, second = uuid.uuid4(), uuid.uuid4()
    backers = {}
    for pledge, amount in ((first, 10_000), (second, 5_000)):  # seq 0, 1
        envelope = ledger.collect(campaign_id, amount, pledge_id=pledge)
        backers[str(pledge)] = str(envelope.payload["backer_id"])
    receipts = []
    for form in (
        # seq 2: formulas in free text must come out inert.
        {"amount": "6000", "category": "printing", "description": HYPERLINK, "vendor": "-2+3"},
        # seq 3, reversed by seq 4: quotes, a comma and a line break in the description.
        {
            "amount": "8000",
            "category": "Café & bar",
            "description": 'Team dinner, "launch"\nsecond line',
            "vendor": "@Café",
            "incurred_on": "2020-02-10",
        },
    ):
        response = post_expense(ledger, campaign_id, token, **{"incurred_on": "2020-01-05", **form})
        assert response.status_code == 201, response.json
        receipts.append(response.json["receipt_sha256"])
    reversed_ = ledger.client.post(
        f"/api/v1/campaigns/{campaign_id}/entries/3/reverse",
        json={"reason": "+ charged twice"},
        headers=bearer(token),
    )
    assert reversed_.status_code == 201, reversed_.json
    response = post_expense(  # seq 5: a category of its own, with a colon and a slash
        ledger,
        campaign_id,
        token,
        amount="7000",
        category="Art: prints/posters",
        description="Posters",
        vendor="PrintCo",
        incurred_on="2020-03-01",
    )
    assert response.status_code == 201, response.json
    receipts.append(response.json["receipt_sha256"])
    refund = pledge_event(  # seq 6: after the spending, so the funds end 30.00 short
        "pledge.refunded",
        campaign_id,
        5_000,
        pledge_id=first,
        collected_amount=10_000,
        refunded_total=5_000,
        reason="asked",
    )
    assert ledger.deliver(refund).status == "handled"
    return Books(campaign_id, token, backers, receipts)


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def get(ledger: Ledger, path: str, token: str | None = None) -> Any:
    return ledger.client.get(path, headers=bearer(token) if token else {})


# --- CSV ---------------------------------------------------------------------------------------


def test_the_public_csv_has_its_columns_inert_text_and_plain_numbers(ledger: Ledger) -> None:
    books = keep_books(ledger)

    response = get(ledger, books.path("export.csv"))

    assert response.status_code == 200
    assert response.is_streamed
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Fundtrail-Tree-Size"] == "7"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="campaign-{books.campaign_id}-7.csv"'
    )
    body = response.get_data()
    assert body.startswith(",".join(COLUMNS).encode() + b"\r\n")
    table = rows(body)
    assert [(r["seq"], r["kind"]) for r in table] == [
        ("0", "contribution"),
        ("1", "contribution"),
        ("2", "expense"),
        ("3", "expense"),
        ("4", "reversal"),
        ("5", "expense"),
        ("6", "refund"),
    ]
    spent = table[2]
    assert spent["description"] == "'" + HYPERLINK
    assert spent["vendor"] == "'-2+3"
    assert (spent["category"], spent["date"], spent["currency"]) == (
        "printing",
        "2020-01-05",
        "EUR",
    )
    assert (spent["amount"], spent["amount_minor"], spent["funds_change"]) == (
        "60.00",
        "6000",
        "-60.00",
    )
    assert spent["funds_balance"] == "90.00"
    assert spent["receipt_sha256"] == books.receipts[0]
    assert table[3]["description"] == 'Team dinner, "launch"\nsecond line'
    assert table[3]["vendor"] == "'@Café"
    assert (table[4]["description"], table[4]["reverses_seq"]) == ("'+ charged twice", "3")
    assert table[4]["category"] == "Café & bar"
    refund = table[6]
    # A negative amount is a number, not a formula: no quote mark before the minus.
    assert (refund["funds_change"], refund["funds_balance"]) == ("-50.00", "-30.00")
    assert refund["pledge_id"] in books.backers
    entries = get(ledger, books.path("entries")).json["entries"]
    assert [r["leaf_hash"] for r in table] == [
        base64.b64decode(e["leaf_hash"]).hex() for e in entries
    ]
    # No backer is named anywhere in the public export.
    assert not set(AUDITOR_COLUMNS) & set(table[0])
    assert not any(backer.encode() in body for backer in books.backers.values())


def test_an_auditor_csv_names_backers_and_links_receipts(ledger: Ledger) -> None:
    books = keep_books(ledger)

    response = get(ledger, books.path("export.csv"), ledger.token("auditor"))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Fundtrail-Export-Audience"] == "auditor"
    table = rows(response.get_data())
    assert list(table[0]) == [*COLUMNS, *AUDITOR_COLUMNS]
    pledge_rows = [r for r in table if r["kind"] in ("contribution", "refund")]
    assert [r["backer_id"] for r in pledge_rows] == [
        books.backers[r["pledge_id"]] for r in pledge_rows
    ]
    links = [r["receipt_url"] for r in table if r["kind"] == "expense"]
    base = f"http://127.0.0.1:8002/api/v1/campaigns/{books.campaign_id}/receipts/"
    assert links == [base + sha for sha in books.receipts]
    # The link really is the receipt's download route, for an auditor.
    receipt = get(ledger, links[0].removeprefix("http://127.0.0.1:8002"), ledger.token("auditor"))
    assert receipt.status_code == 200
    # A token that is there but no good is refused, not read as "the public".
    refused = get(ledger, books.path("export.csv"), "not-a-token")
    assert refused.status_code == 401 and refused.json["status"] == 401
    # A creator or a backer gets the public export.
    for role in ("creator", "backer"):
        answer = get(ledger, books.path("export.csv"), ledger.token(role))
        assert answer.headers["Fundtrail-Export-Audience"] == "public"
        assert list(rows(answer.get_data())[0]) == list(COLUMNS)


def test_from_and_to_keep_the_entries_dated_within_inclusive(ledger: Ledger) -> None:
    books = keep_books(ledger)

    response = get(ledger, books.path("export.csv?from=2020-01-05&to=2020-02-10"))

    assert response.status_code == 200
    table = rows(response.get_data())
    assert [(r["seq"], r["date"]) for r in table] == [("2", "2020-01-05"), ("3", "2020-02-10")]
    # The running balance still counts every entry before the first row.
    assert table[1]["funds_balance"] == "10.00"
    assert response.headers["Content-Disposition"].endswith('-7-from-2020-01-05-to-2020-02-10.csv"')
    only_from = rows(get(ledger, books.path("export.csv?from=2020-02-11")).get_data())
    # The pledges, the reversal and the refund are dated today (their occurred_at).
    assert [r["seq"] for r in only_from] == ["0", "1", "4", "5", "6"]
    beancount = get(ledger, books.path("export.beancount?to=2020-01-31")).get_data().decode()
    assert "  seq: 2\n" in beancount and "  seq: 3\n" not in beancount


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2020-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2020-03-02&to=2020-03-01", "from"),
        ("from=1969-12-31", "from"),
    ],
)
@pytest.mark.parametrize("suffix", ["export.csv", "export.beancount"])
def test_bad_dates_are_422(ledger: Ledger, query: str, field: str, suffix: str) -> None:
    campaign_id, _, _ = ledger.open_campaign()

    response = get(ledger, f"/api/v1/campaigns/{campaign_id}/{suffix}?{query}")

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"], response.json


@pytest.mark.parametrize("suffix", ["export.csv", "export.beancount"])
def test_a_draft_or_unknown_campaign_is_404(ledger: Ledger, suffix: str) -> None:
    draft, _, token = ledger.open_campaign(status="draft")
    for campaign_id in (draft, uuid.uuid4()):
        response = get(ledger, f"/api/v1/campaigns/{campaign_id}/{suffix}", token)
        assert response.status_code == 404
        assert response.json["status"] == 404
        assert "Fundtrail-Tree-Size" not in response.headers


def test_exports_stop_at_the_latest_signed_checkpoint(ledger: Ledger) -> None:
    books = keep_books(ledger)
    ledger.auto_worker = False  # the worker is behind: no checkpoint yet for the next entry
    ledger.collect(books.campaign_id, 1_000)

    csv_response = get(ledger, books.path("export.csv"))
    bean_response = get(ledger, books.path("export.beancount"))

    for response in (csv_response, bean_response):
        assert response.headers["Fundtrail-Tree-Size"] == "7"
    assert [r["seq"] for r in rows(csv_response.get_data())][-1] == "6"
    assert "  seq: 7\n" not in bean_response.get_data().decode()
    ledger.catch_up()
    assert get(ledger, books.path("export.csv")).headers["Fundtrail-Tree-Size"] == "8"
    older = get(ledger, books.path("export.csv?tree_size=7"))
    assert older.headers["Fundtrail-Tree-Size"] == "7"
    assert older.get_data() == csv_response.get_data()
    assert get(ledger, books.path("export.csv?tree_size=100")).status_code == 404


# --- beancount ---------------------------------------------------------------------------------


def bean_check() -> str:
    found = shutil.which("bean-check") or str(Path(sys.executable).with_name("bean-check"))
    assert Path(found).exists(), "bean-check (beancount 3, a dev dependency) is missing"
    return found


@pytest.mark.parametrize("role", [None, "auditor"])
def test_the_beancount_journal_checks_and_its_balances_are_the_ledgers(
    ledger: Ledger, tmp_path: Path, role: str | None
) -> None:
    books = keep_books(ledger)
    token = ledger.token(role) if role else None

    response = get(ledger, books.path("export.beancount"), token)

    assert response.status_code == 200
    assert response.is_streamed
    assert response.content_type == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="campaign-{books.campaign_id}-7.beancount"'
    )
    journal = tmp_path / "books.beancount"
    journal.write_bytes(response.get_data())
    checked = subprocess.run(
        [bean_check(), "-C", str(journal)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    entries, errors, options = loader.load_file(str(journal))
    assert errors == []
    assert options["title"] == "Board game"
    balances = account_balances(entries)
    shown = get(ledger, books.path("balance")).json
    funds = shown["available"] - shown["shortfall"]
    spent = {line["category"]: line["spent"] for line in shown["by_category"]}
    cafe = next(name for name in balances if name.startswith("Expenses:Cafe-Bar--"))
    art = next(name for name in balances if name.startswith("Expenses:Art-Prints-Posters--"))
    assert balances == {
        "Assets:Funds": Decimal(funds) / 100,
        "Income:Pledges": Decimal(-shown["raised"]) / 100,
        "Income:Refunds": Decimal(shown["refunded"]) / 100,
        "Expenses:Printing": Decimal(spent["printing"]) / 100,
        cafe: Decimal(spent["Café & bar"]) / 100,
        art: Decimal(spent["Art: prints/posters"]) / 100,
    }
    assert balances["Assets:Funds"] == Decimal("-30.00")
    transactions = [e for e in entries if type(e).__name__ == "Transaction"]
    expense = next(t for t in transactions if t.meta["seq"] == 3)
    assert expense.payee == "@Café"
    assert expense.narration == 'Team dinner, "launch"\nsecond line'
    assert expense.meta["category"] == "Café & bar"
    assert expense.meta["receipt_sha256"] == books.receipts[1]
    contribution = next(t for t in transactions if t.meta["seq"] == 0)
    backer = books.backers[contribution.meta["pledge_id"]]
    if role == "auditor":
        assert contribution.meta["backer_id"] == backer
        base = f"http://127.0.0.1:8002/api/v1/campaigns/{books.campaign_id}/receipts/"
        assert expense.meta["receipt_url"] == base + books.receipts[1]
    else:
        assert "backer_id" not in contribution.meta
        assert "receipt_url" not in expense.meta
        assert not any(b.encode() in response.get_data() for b in books.backers.values())


def account_balances(entries: list[Any]) -> dict[str, Decimal]:
    """Each account's total, from the loaded transactions' postings (one currency)."""
    totals: dict[str, Decimal] = {}
    for entry in entries:
        for posting in getattr(entry, "postings", None) or ():
            totals[posting.account] = totals.get(posting.account, Decimal(0)) + posting.units.number
    return {account: total for account, total in totals.items()}
