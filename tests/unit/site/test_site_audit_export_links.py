"""The auditor's export passes through the site with each receipt link made the site's, however
the ledger's bytes arrive in pieces; and its file name is plain ASCII a person can keep."""

from __future__ import annotations

import uuid

from services.site.audit_exports import _receipt_links_to_site, filename

CAMPAIGN = uuid.UUID("0b6f1c7e-2f4a-4d8e-9a51-3c2d1e0f9a87")
SHA = "ab" * 32
SITE = f"https://fundtrail.example/campaigns/{CAMPAIGN}/receipts/"


class _Upstream:
    def __init__(self, body: bytes, size: int) -> None:
        self.pieces = [body[i : i + size] for i in range(0, len(body), size)]

    def iter_content(self, _chunk: int) -> list[bytes]:
        return self.pieces


def test_links_split_across_pieces_are_rewritten_and_nothing_else_changes() -> None:
    ledger = f"http://ledger:8002/api/v1/campaigns/{CAMPAIGN}/receipts/{SHA}".encode()
    other = f"http://ledger:8002/api/v1/campaigns/{uuid.uuid4()}/receipts/{SHA}".encode()
    body = b'seq,memo,receipt_url\r\n0,=cell,\r\n1,"a, b",' + ledger + b"\r\n2,x," + other
    expected = body.replace(ledger, f"{SITE}{SHA}/original".encode())
    for size in (1, 7, 64, len(body)):
        passed = b"".join(_receipt_links_to_site(_Upstream(body, size), CAMPAIGN, SITE))
        assert passed == expected, size


def test_the_file_name_is_the_title_in_plain_ascii_and_the_days() -> None:
    days = {"from": "2026-01-01", "to": ""}
    assert filename({"title": "Café «Noir» ☕ press"}, "csv", days) == (
        "cafe-noir-press-audit-from-2026-01-01.csv"
    )
    assert filename({"title": "☕☕"}, "beancount", {}) == "campaign-audit.beancount"
    assert filename({"title": 'a"b\r\nc'}, "csv", {}) == "a-b-c-audit.csv"
