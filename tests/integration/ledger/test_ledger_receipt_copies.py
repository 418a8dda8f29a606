"""Receipts' public copies: published by the campaign's creator only, rebuilt from pixels (no
metadata, no text under a black box), shown to the campaign's backers, creator and auditors."""

from __future__ import annotations

import hashlib
import io
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.factories import bearer
from tests.integration.ledger.ledger_support import (
    Ledger,
    pdf_bytes,
    pledge_event,
    png_bytes,
    post_expense,
)


def photo_with_gps() -> bytes:
    """A JPEG a phone might take: EXIF with the place it was taken, and a comment."""
    image = Image.new("RGB", (400, 300), "white")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"home of Jane Roe")
    return out.getvalue()


def publish(ledger: Ledger, campaign_id: uuid.UUID, seq: int, token: str, **form: Any) -> Any:
    fields: dict[str, Any] = {"kind": form.pop("kind", "redacted")}
    content = form.pop("copy", None)
    if content is not None:
        fields["copy"] = FileStorage(io.BytesIO(content), filename=form.pop("name", "copy.png"))
    boundary, body = encode_multipart(fields)
    return ledger.client.post(
        f"/api/v1/campaigns/{campaign_id}/entries/{seq}/receipt-copy",
        data=body,
        headers={**bearer(token), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def campaign_with_expense(ledger: Ledger, receipt: bytes | None = None) -> dict[str, Any]:
    """A campaign with a backer's collected pledge and one expense; its ids and tokens."""
    campaign_id, creator_id, creator = ledger.open_campaign()
    backer_id = uuid.uuid4()
    envelope = pledge_event("pledge.collected", campaign_id, 10_000, backer_id=backer_id)
    assert ledger.deliver(envelope).status == "handled"
    posted = post_expense(ledger, campaign_id, creator, receipt=receipt)
    assert posted.status_code == 201, posted.json
    return {
        "id": campaign_id,
        "creator": creator,
        "backer": ledger.token("backer", backer_id),
        "seq": posted.json["seq"],
        "receipt": posted.json["receipt_sha256"],
    }


def copies_rows(ledger: Ledger) -> int:
    return ledger.counts()["receipt_copies"]


def test_a_redacted_photo_is_published_without_its_metadata_and_the_entry_keeps_the_original(
    ledger: Ledger,
) -> None:
    c = campaign_with_expense(ledger)
    photo = photo_with_gps()
    response = publish(ledger, c["id"], c["seq"], c["creator"], copy=photo, name="x.jpg")
    assert response.status_code == 201, response.json
    assert response.json["receipt_sha256"] == c["receipt"]
    assert response.json["kind"] == "redacted"
    assert response.json["seq"] == c["seq"]

    got = ledger.client.get(
        f"/api/v1/campaigns/{c['id']}/receipt-copies/{c['receipt']}", headers=bearer(c["backer"])
    )
    assert got.status_code == 200
    assert got.mimetype == "image/jpeg"
    assert hashlib.sha256(got.data).hexdigest() == response.json["sha256"]
    # Rebuilt from pixels: no EXIF (GPS, maker), no comment, whatever the upload carried.
    for secret in (b"PhoneMaker", b"Jane Roe", b"Exif"):
        assert secret not in got.data
    assert Image.open(io.BytesIO(got.data)).getexif() == {}
    assert Image.open(io.BytesIO(got.data)).size == (400, 300)
    thumb = ledger.client.get(
        f"/api/v1/campaigns/{c['id']}/receipt-copies/{c['receipt']}/thumbnail.png",
        headers=bearer(c["backer"]),
    )
    assert thumb.mimetype == "image/png"
    assert Image.open(io.BytesIO(thumb.data)).size == (320, 240)

    # The books never change: the entry still names the original receipt.
    entries = ledger.client.get(f"/api/v1/campaigns/{c['id']}/entries").json["entries"]
    assert entries[c["seq"]]["receipt_sha256"] == c["receipt"]
    listed = ledger.client.get(f"/api/v1/campaigns/{c['id']}/receipt-copies").json
    assert listed["viewable"] is False  # the public learns a copy exists, not what it shows
    assert [(x["seq"], x["receipt_sha256"], x["kind"]) for x in listed["copies"]] == [
        (c["seq"], c["receipt"], "redacted")
    ]


def test_a_redacted_pdf_loses_the_text_under_its_black_box(ledger: Ledger, tmp_path: Path) -> None:
    from weasyprint import HTML

    redacted = HTML(
        string='<p style="position:relative">Paid by Jane Roe, IBAN DE44 5001'
        '<span style="position:absolute;left:0;top:0;width:100%;height:100%;background:#000">'
        "</span></p><p>Printing: 1500 EUR</p>"
    ).write_pdf()
    assert b"%%EOF" in redacted
    c = campaign_with_expense(ledger)
    response = publish(ledger, c["id"], c["seq"], c["creator"], copy=redacted, name="r.pdf")
    assert response.status_code == 201, response.json
    assert response.json["media_type"] == "application/pdf"
    assert response.json["pages"] == 1
    got = ledger.client.get(
        f"/api/v1/campaigns/{c['id']}/receipt-copies/{c['receipt']}", headers=bearer(c["creator"])
    )
    (tmp_path / "copy.pdf").write_bytes(got.data)
    (tmp_path / "upload.pdf").write_bytes(redacted)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "upload.pdf"), "-"], capture_output=True, check=True
    ).stdout
    assert b"Jane Roe" in text  # what a black box in an editor leaves behind
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "copy.pdf"), "-"], capture_output=True, check=True
    ).stdout
    assert text.strip() == b""  # the copy is pictures of pages: nothing under the box


def test_the_original_is_published_from_its_pixels_when_the_creator_confirms_it(
    ledger: Ledger,
) -> None:
    receipt = pdf_bytes("Invoice of Jane Roe")
    c = campaign_with_expense(ledger, receipt)
    response = publish(ledger, c["id"], c["seq"], c["creator"], kind="original")
    assert response.status_code == 201, response.json
    assert response.json["kind"] == "original"
    got = ledger.client.get(
        f"/api/v1/campaigns/{c['id']}/receipt-copies/{c['receipt']}",
        headers=bearer(ledger.token("auditor")),
    )
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    assert b"Jane Roe" not in got.data  # the PDF's title (its metadata) is not carried over


def test_only_the_campaigns_creator_publishes_and_a_refusal_writes_nothing(
    ledger: Ledger,
) -> None:
    c = campaign_with_expense(ledger)
    before = copies_rows(ledger)
    for token in (ledger.token("creator"), c["backer"], ledger.token("auditor")):
        response = publish(ledger, c["id"], c["seq"], token, copy=png_bytes())
        assert response.status_code == 403, response.json
    no_token = ledger.client.post(f"/api/v1/campaigns/{c['id']}/entries/{c['seq']}/receipt-copy")
    assert no_token.status_code == 401
    assert copies_rows(ledger) == before


@pytest.mark.parametrize(
    ("content", "name", "status", "words"),
    [
        (b"<html><script>alert(1)</script></html>", "copy.pdf", 422, "HTML"),
        (b"GIF89a" + bytes(100), "copy.png", 422, "GIF"),
        (b"%PDF-1.4\nnot really", "copy.pdf", 422, "PDF"),
        (b"", "copy.png", 422, "empty"),
    ],
)
def test_a_copy_that_is_not_a_pdf_png_or_jpeg_is_refused(
    ledger: Ledger, content: bytes, name: str, status: int, words: str
) -> None:
    c = campaign_with_expense(ledger)
    response = publish(ledger, c["id"], c["seq"], c["creator"], copy=content, name=name)
    assert response.status_code == status, response.json
    assert words in response.json["errors"]["copy"][0]
    assert copies_rows(ledger) == 0


def test_a_copy_too_large_is_refused_with_413(make_ledger: Any, database_url: str) -> None:
    ledger = make_ledger(database_url, receipt_max_bytes=2000)
    c = campaign_with_expense(ledger)
    big = png_bytes(note="x" * 5000)
    response = publish(ledger, c["id"], c["seq"], c["creator"], copy=big)
    assert response.status_code == 413, response.json
    assert "copy" in response.json["errors"]
    assert copies_rows(ledger) == 0


def test_a_redacted_copy_needs_its_file_and_a_known_kind(ledger: Ledger) -> None:
    c = campaign_with_expense(ledger)
    missing = publish(ledger, c["id"], c["seq"], c["creator"])
    assert missing.status_code == 422 and "copy" in missing.json["errors"]
    odd = publish(ledger, c["id"], c["seq"], c["creator"], kind="public", copy=png_bytes())
    assert odd.status_code == 422 and "kind" in odd.json["errors"]
    assert copies_rows(ledger) == 0


def test_only_an_expense_has_a_receipt_to_publish(ledger: Ledger) -> None:
    c = campaign_with_expense(ledger)
    contribution = publish(ledger, c["id"], 0, c["creator"], copy=png_bytes())
    assert contribution.status_code == 409, contribution.json
    unknown = publish(ledger, c["id"], 99, c["creator"], copy=png_bytes())
    assert unknown.status_code == 404
    assert copies_rows(ledger) == 0


def test_a_backer_of_another_campaign_sees_no_copy(ledger: Ledger) -> None:
    c = campaign_with_expense(ledger)
    other = campaign_with_expense(ledger)
    assert publish(ledger, c["id"], c["seq"], c["creator"], kind="original").status_code == 201
    base = f"/api/v1/campaigns/{c['id']}/receipt-copies/{c['receipt']}"
    for path in (base, f"{base}/thumbnail.png"):
        refused = ledger.client.get(path, headers=bearer(other["backer"]))
        assert refused.status_code == 403
        assert not refused.data.startswith((b"\x89PNG", b"%PDF"))
        assert ledger.client.get(path).status_code == 401
        assert ledger.client.get(path, headers=bearer(c["backer"])).status_code == 200
    listed = ledger.client.get(
        f"/api/v1/campaigns/{c['id']}/receipt-copies", headers=bearer(other["backer"])
    )
    assert listed.json["viewable"] is False
    assert all(copy["viewable"] is False for copy in listed.json["copies"])


def test_path_and_hash_tricks_name_no_copy(ledger: Ledger) -> None:
    c = campaign_with_expense(ledger)
    other = campaign_with_expense(ledger)
    publish(ledger, c["id"], c["seq"], c["creator"], kind="original")
    publish(ledger, other["id"], other["seq"], other["creator"], kind="original")
    base = f"/api/v1/campaigns/{c['id']}/receipt-copies"
    auditor = bearer(ledger.token("auditor"))
    for name in (
        c["receipt"].upper(),
        c["receipt"][:-1],
        c["receipt"] + "0",
        "..%2F..%2Fkeys%2Flog.key",
        "%2E%2E",
        other["receipt"],  # another campaign's receipt, through this campaign
    ):
        response = ledger.client.get(f"{base}/{name}", headers=auditor)
        assert response.status_code == 404, name
        assert response.mimetype == "application/problem+json"
    assert ledger.client.get(f"{base}/{c['receipt']}", headers=auditor).status_code == 200


@pytest.mark.both_databases
def test_a_newer_copy_replaces_the_older_and_both_are_recorded(ledger: Ledger) -> None:
    c = campaign_with_expense(ledger)
    first = publish(ledger, c["id"], c["seq"], c["creator"], kind="original").json
    second = publish(ledger, c["id"], c["seq"], c["creator"], copy=png_bytes("black")).json
    assert first["sha256"] != second["sha256"]
    listed = ledger.client.get(f"/api/v1/campaigns/{c['id']}/receipt-copies").json["copies"]
    assert [copy["sha256"] for copy in listed] == [second["sha256"]]
    got = ledger.client.get(
        f"/api/v1/campaigns/{c['id']}/receipt-copies/{c['receipt']}", headers=bearer(c["backer"])
    )
    assert hashlib.sha256(got.data).hexdigest() == second["sha256"]
    assert copies_rows(ledger) == 2


def test_a_phone_photo_with_trailing_bytes_is_redrawn_without_them(ledger: Ledger) -> None:
    from tests.factories import phone_photo

    c = campaign_with_expense(ledger)
    photo = phone_photo()
    assert photo.endswith(b"TRAILING-SECRET")  # refused as a receipt, harmless in a copy
    response = publish(ledger, c["id"], c["seq"], c["creator"], copy=photo, name="p.jpg")
    assert response.status_code == 201, response.json
    got = ledger.client.get(
        f"/api/v1/campaigns/{c['id']}/receipt-copies/{c['receipt']}", headers=bearer(c["creator"])
    )
    assert b"TRAILING-SECRET" not in got.data and b"GPS" not in got.data
    assert got.data.endswith(b"\xff\xd9")


@pytest.mark.both_databases
def test_a_publication_is_kept_as_made_by_the_database_itself(ledger: Ledger) -> None:
    import sqlalchemy as sa

    c = campaign_with_expense(ledger)
    assert publish(ledger, c["id"], c["seq"], c["creator"], kind="original").status_code == 201
    table = ledger.app.extensions["fundtrail"].tables["receipt_copies"]
    for statement in (table.update().values(kind="redacted"), table.delete()):
        with pytest.raises(sa.exc.DatabaseError), ledger.engine.begin() as connection:
            connection.execute(statement)
    assert copies_rows(ledger) == 1
