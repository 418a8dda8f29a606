"""The spending report in Bahasa Indonesia and English: `?lang=`, then Accept-Language, then
English; the same figures, the same attached export and checkpoint in both, and a published
report keeps each language's PDF under its own SHA-256."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, post_expense
from tests.pdf_support import pdf_text

API = "/api/v1"


def attachments(pdf: bytes, folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    (folder / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdfdetach", "-saveall", "-o", folder, folder / "report.pdf"], check=True)
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.suffix != ".pdf"}


def test_a_published_report_reads_in_indonesian_and_english_with_the_same_proof(
    make_ledger: Callable[..., Ledger], sqlite_url: str, tmp_path: Path
) -> None:
    # On SQLite only: rendering is what is tested here; both databases store the Indonesian
    # rendering in test_ledger_reports_api's immutability test.
    ledger = make_ledger(sqlite_url)
    campaign_id, _, token = ledger.open_campaign(currency="IDR")
    ledger.collect(campaign_id, 1_500_000, currency="IDR")
    ledger.collect(campaign_id, 750_000, currency="IDR")
    spent = post_expense(ledger, campaign_id, token, amount="250000", currency="IDR")
    assert spent.status_code == 201, spent.json
    client = ledger.client

    published = client.post(f"{API}/campaigns/{campaign_id}/reports", headers=bearer(token))
    assert published.status_code == 201, published.get_data(as_text=True)
    report = published.json
    hashes = report["sha256_by_language"]
    assert set(hashes) == {"en", "id"} and hashes["en"] == report["sha256"] != hashes["id"]
    listed = client.get(f"{API}/campaigns/{campaign_id}/reports").json["reports"]
    assert listed[0]["sha256_by_language"] == hashes

    path = f"/campaigns/{campaign_id}/reports/{report['id']}.pdf"
    indonesian = client.get(f"{path}?lang=id")
    assert indonesian.headers["Content-Language"] == "id"
    assert hashlib.sha256(indonesian.data).hexdigest() == hashes["id"]
    assert indonesian.headers["ETag"] == f'"{hashes["id"]}"'
    english = client.get(path, headers={"Accept-Language": "fr-FR, en;q=0.5"})
    assert english.headers["Content-Language"] == "en"
    assert hashlib.sha256(english.data).hexdigest() == report["sha256"]
    assert "Accept-Language" in english.headers["Vary"]
    # The browser's language when no `?lang` is given; an unknown `?lang` is not one.
    by_header = client.get(path, headers={"Accept-Language": "id-ID,id;q=0.9"})
    assert by_header.data == indonesian.data
    assert client.get(f"{path}?lang=fr").data == english.data

    id_text = pdf_text(indonesian.data)
    en_text = pdf_text(english.data)
    indonesian_words = ("Laporan penggunaan dana Fundtrail", "halaman 1 dari", "Ringkasan")
    for words in (*indonesian_words, "Penggunaan dana per kategori"):
        assert words in id_text, words
    for figure in ("2.250.000", "250.000", "2.000.000"):  # raised, spent, available
        assert f"Rp {figure}" in id_text, figure
    assert "Summary" in en_text and "Ringkasan" not in en_text and "IDR" in en_text
    assert attachments(indonesian.data, tmp_path / "id") == attachments(
        english.data, tmp_path / "en"
    )

    page = client.get(f"/campaigns/{campaign_id}/report?lang=id").get_data(as_text=True)
    assert '<html lang="id">' in page and "<dt>Digunakan</dt><dd>Rp 250.000</dd>" in page
