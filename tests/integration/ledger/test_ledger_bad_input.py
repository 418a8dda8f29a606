"""Bad input: each refusal is problem+json naming the field, and writes
nothing at all (every ledger table, the outbox, and the receipt folder are counted)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import bearer
from tests.integration.ledger.ledger_support import (
    MISSING,
    Ledger,
    jpeg_bytes,
    pdf_bytes,
    png_bomb,
    png_bytes,
    post_expense,
)

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56) + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script>%PDF-1.4</body></html>"
#: HTML behind a PDF header and before a PDF trailer: only parsing it shows it is no PDF.
HTML_AS_PDF = b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n"
SCRIPT = b"<script>alert(1)</script>"


@pytest.fixture
def funded(ledger: Ledger) -> tuple[uuid.UUID, str]:
    """A campaign holding 10,000 EUR cents, and its creator's token."""
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    return campaign_id, token


def refused(ledger: Ledger, request: Callable[[], Any], status: int, field: str | None) -> Any:
    """Make the request: it must answer `status` (problem+json blaming `field`), writing nothing."""
    before = ledger.counts()
    response = request()
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status
    if field is not None:
        assert field in response.json["errors"], response.json
    assert ledger.counts() == before
    return response


@pytest.mark.parametrize(
    ("content", "filename", "says"),
    [
        (HTML, "receipt.pdf", "HTML"),
        (ELF, "receipt.pdf", "ELF executable"),
        (b"MZ\x90\x00" + bytes(100), "receipt.jpg", "Windows executable"),
        (b"", "receipt.pdf", "empty"),
        (png_bytes()[:40], "receipt.png", "PNG"),  # cut short: the chunks don't add up
        (b"%PDF-1.7\n" + bytes(300), "receipt.pdf", "%%EOF"),  # no end-of-file marker
        (b"\xff\xd8\xff\xe0" + b"not a jpeg at all" * 10, "receipt.jpg", "JPEG"),
        (b"plain text that says it is a receipt", "receipt.pdf", "unknown type"),
        (HTML_AS_PDF, "receipt.pdf", "does not parse as a PDF"),
        (pdf_bytes() + SCRIPT, "receipt.pdf", "data after its final %%EOF"),
        (png_bytes() + SCRIPT, "receipt.png", "after its IEND chunk"),
        (jpeg_bytes() + b"PK\x03\x04" + bytes(26), "receipt.jpg", "after its EOI marker"),
        (png_bomb(9000), "receipt.png", "9000 × 9000 pixels"),  # 10 kB, 81 MP decoded
    ],
)
def test_a_receipt_is_judged_by_its_bytes_not_its_name(
    ledger: Ledger, funded: tuple[uuid.UUID, str], content: bytes, filename: str, says: str
) -> None:
    campaign_id, token = funded
    response = refused(
        ledger,
        lambda: post_expense(ledger, campaign_id, token, receipt=content, filename=filename),
        422,
        "receipt",
    )
    assert says in response.json["errors"]["receipt"][0]


def test_a_receipt_over_the_size_limit_is_413(
    make_ledger: Callable[..., Ledger], database_url: str
) -> None:
    ledger = make_ledger(database_url, receipt_max_bytes=2_000)
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    big_pdf = pdf_bytes("x" * 3_000)
    response = refused(
        ledger,
        lambda: post_expense(ledger, campaign_id, token, receipt=big_pdf, filename="big.pdf"),
        413,
        "receipt",
    )
    assert "2000" in response.json["errors"]["receipt"][0]
    # Far past the limit, the request body itself is refused before it is read.
    huge = b"%PDF-1.4\n" + bytes(2 * 1024 * 1024)
    refused(ledger, lambda: post_expense(ledger, campaign_id, token, receipt=huge), 413, "receipt")
    assert post_expense(ledger, campaign_id, token, receipt=pdf_bytes()).status_code == 201


def test_an_amount_in_another_currency_is_refused(
    ledger: Ledger, funded: tuple[uuid.UUID, str]
) -> None:
    campaign_id, token = funded
    refused(
        ledger, lambda: post_expense(ledger, campaign_id, token, currency="USD"), 422, "currency"
    )
    refused(
        ledger, lambda: post_expense(ledger, campaign_id, token, currency="eur"), 422, "currency"
    )


@pytest.mark.parametrize("amount", ["0", "-5", "12.50", "1e3", "lots", str(10**13)])
def test_an_amount_that_is_not_whole_positive_minor_units_is_refused(
    ledger: Ledger, funded: tuple[uuid.UUID, str], amount: str
) -> None:
    campaign_id, token = funded
    refused(ledger, lambda: post_expense(ledger, campaign_id, token, amount=amount), 422, "amount")


@pytest.mark.parametrize(
    ("fields", "blamed"),
    [
        ({"category": MISSING}, "category"),
        ({"vendor": MISSING}, "vendor"),
        ({"incurred_on": MISSING}, "incurred_on"),
        ({"receipt": MISSING}, "receipt"),
        ({"receipt": "not a file"}, "receipt"),
        ({"description": "   "}, "description"),
        ({"category": "x" * 65}, "category"),
        ({"incurred_on": "yesterday"}, "incurred_on"),
        (
            {"incurred_on": (datetime.now(UTC) + timedelta(days=3)).date().isoformat()},
            "incurred_on",
        ),
        ({"vendor": "Print\x00Co"}, "vendor"),
        ({"receipt_reuse_reason": "x" * 1_001}, "receipt_reuse_reason"),
    ],
)
def test_missing_and_invalid_fields_are_named(
    ledger: Ledger, funded: tuple[uuid.UUID, str], fields: dict[str, Any], blamed: str
) -> None:
    campaign_id, token = funded
    refused(ledger, lambda: post_expense(ledger, campaign_id, token, **fields), 422, blamed)


def test_expenses_on_someone_elses_campaign_are_forbidden(
    ledger: Ledger, funded: tuple[uuid.UUID, str]
) -> None:
    campaign_id, _ = funded
    _, _, other_creator = ledger.open_campaign()
    refused(ledger, lambda: post_expense(ledger, campaign_id, other_creator), 403, "recorded_by")
    refused(ledger, lambda: post_expense(ledger, campaign_id, ledger.token("backer")), 403, None)
    refused(
        ledger,
        lambda: ledger.client.post(
            f"/api/v1/campaigns/{campaign_id}/expenses",
            data={"amount": "1"},
            content_type="multipart/form-data",
        ),
        401,
        None,
    )
    unknown = uuid.uuid4()
    refused(ledger, lambda: post_expense(ledger, unknown, other_creator), 404, "campaign_id")


def test_a_receipt_backing_an_expense_in_force_is_409_without_a_reason(
    ledger: Ledger, funded: tuple[uuid.UUID, str]
) -> None:
    campaign_id, token = funded
    receipt = pdf_bytes("Invoice 7")
    first = post_expense(ledger, campaign_id, token, receipt=receipt, filename="a.pdf")
    assert first.status_code == 201, first.json
    for reason in (MISSING, "", "  "):  # a blank reason, as a form left empty sends, is none
        response = refused(
            ledger,
            lambda reason=reason: post_expense(
                ledger, campaign_id, token, receipt=receipt, receipt_reuse_reason=reason
            ),
            409,
            "receipt",
        )
        message = response.json["errors"]["receipt"][0]
        assert f"backs expense {first.json['seq']}" in message
        assert "receipt_reuse_reason" in message


def test_spending_more_than_is_available_is_409(
    ledger: Ledger, funded: tuple[uuid.UUID, str]
) -> None:
    campaign_id, token = funded
    response = refused(
        ledger, lambda: post_expense(ledger, campaign_id, token, amount="10001"), 409, "amount"
    )
    # The detail writes amounts for people; the figures themselves are members of their own.
    assert response.json["detail"] == "€100.01 needed but only €100.00 available"
    assert (response.json["needed"], response.json["available"]) == (10_001, 10_000)
    assert response.json["currency"] == "EUR"
    assert post_expense(ledger, campaign_id, token, amount="10000").status_code == 201
    refused(
        ledger,
        lambda: post_expense(ledger, campaign_id, token, amount="1", receipt=png_bytes("white")),
        409,
        "amount",
    )


def test_an_entry_is_reversed_once_and_so_is_each_reversal(
    ledger: Ledger, funded: tuple[uuid.UUID, str]
) -> None:
    campaign_id, token = funded
    expense = post_expense(ledger, campaign_id, token, amount="3000").json["seq"]

    def reverse(seq: int, reason: str = "wrong amount", who: str = token) -> Any:
        return ledger.client.post(
            f"/api/v1/campaigns/{campaign_id}/entries/{seq}/reverse",
            json={"reason": reason},
            headers=bearer(who),
        )

    reversal = reverse(expense)
    assert reversal.status_code == 201
    refused(ledger, lambda: reverse(expense), 409, "seq")  # reversing an entry twice

    # Reversing the reversal re-instates the expense; that reversal is itself final.
    reinstated = reverse(reversal.json["seq"], "it was right after all")
    assert reinstated.status_code == 201
    assert reinstated.json["postings"][0] == {"account": "expenses:printing", "amount": 3_000}
    refused(ledger, lambda: reverse(reversal.json["seq"]), 409, "seq")
    refused(ledger, lambda: reverse(expense), 409, "seq")  # still reversed once, for good

    refused(ledger, lambda: reverse(99), 404, "seq")
    refused(ledger, lambda: reverse(0, "   "), 422, "reason")
    stranger = ledger.open_campaign()[2]
    refused(ledger, lambda: reverse(0, who=stranger), 403, "recorded_by")
    refused(
        ledger,
        lambda: ledger.client.post(
            f"/api/v1/campaigns/{campaign_id}/entries/0/reverse",
            data="reason=x",
            headers=bearer(token),
        ),
        415,
        None,
    )


def test_reversing_a_contribution_is_409_even_with_the_money_there(
    ledger: Ledger, funded: tuple[uuid.UUID, str]
) -> None:
    campaign_id, token = funded
    response = refused(
        ledger,
        lambda: ledger.client.post(
            f"/api/v1/campaigns/{campaign_id}/entries/0/reverse",
            json={"reason": "chargeback"},
            headers=bearer(token),
        ),
        409,
        "seq",
    )
    assert "only through pledge events" in response.json["detail"]


def test_malformed_multipart_is_not_a_500(ledger: Ledger, funded: tuple[uuid.UUID, str]) -> None:
    campaign_id, token = funded
    response = refused(
        ledger,
        lambda: ledger.client.post(
            f"/api/v1/campaigns/{campaign_id}/expenses",
            data=io.BytesIO(b"--x\r\nbroken"),
            headers={**bearer(token), "Content-Type": "multipart/form-data; boundary=x"},
        ),
        422,
        None,
    )
    assert response.json["status"] == 422
