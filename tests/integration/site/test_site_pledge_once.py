"""Issue 18 on the site against the real services: a backer who has pledged changes that pledge
(the page says what a change replaces) and a second pledge form never erases the first; a
partial refund reads "€10.00 refunded of €45.00"; refusals give amounts as the site writes them
and name the form's fields; an expense's category comes from the budget lines."""

from __future__ import annotations

import hashlib
import html
import io
import re
from typing import Any

from flask.testing import FlaskClient

from tests.factories import bearer
from tests.integration.ledger.ledger_support import pdf_bytes
from tests.integration.site.site_support import Stack, csrf_of

ZINE = [{"name": "Zine", "min_amount": 1_000}]


def _text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _pledge_form(page: str) -> dict[str, str]:
    """What the page's new-pledge form sends besides the typed values: its CSRF token and the
    idempotency key of that page."""
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key, "no new-pledge form on the page"
    return {"csrf_token": csrf_of(page), "idempotency_key": key.group(1)}


def _mine(stack: Stack, token: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = stack.pledges.get(
        "/api/v1/me/pledges", headers=bearer(token)
    ).get_json()["pledges"]
    return found


def test_a_second_pledge_form_never_erases_the_first_and_the_page_offers_a_change(
    stack: Stack,
) -> None:
    _, creator = stack.account("creator")
    _, backer = stack.account("backer")
    campaign = stack.campaign(creator, title="Pinhole zine", tiers=ZINE)
    campaign_id, zine = campaign["id"], campaign["tiers"][0]["id"]
    client = stack.site_client(backer)
    path = f"/campaigns/{campaign_id}"
    # Two tabs open on the campaign page, each with its own new-pledge form.
    first_tab, second_tab = (_pledge_form(_text(client.get(path))) for _ in range(2))

    made = client.post(f"{path}/pledge", data={**first_tab, "amount": "45", "tier_id": zine})
    assert made.status_code == 302
    page = _text(client.get(path))
    assert "Thank you! Your pledge of €45.00 is recorded." in page
    # Once pledged, no empty Pledge form: the pledge, and a change saying what it replaces.
    assert 'name="idempotency_key"' not in page and ">Pledge</button>" not in page
    assert "You pledged €45.00. Tier: “Zine”." in page
    assert "<h3" in page and ">Change your pledge</h3>" in page
    assert "This replaces your pledge of €45.00 (tier Zine)." in page
    assert ">Cancel pledge</button>" in page

    again = client.post(f"{path}/pledge", data={**second_tab, "amount": "20", "tier_id": ""})

    assert again.status_code == 409
    shown = _text(again)
    assert (
        "You have already pledged €45.00 to this campaign, so nothing was changed: change or "
        "cancel that pledge instead."
    ) in shown
    assert "This replaces your pledge of €45.00 (tier Zine)." in shown
    [pledge] = _mine(stack, backer)
    assert (pledge["amount"], pledge["tier_id"], pledge["status"]) == (4_500, zine, "pledged")
    # The first tab sent again (a double click) is the same pledge, not a refusal.
    replay = client.post(f"{path}/pledge", data={**first_tab, "amount": "45", "tier_id": zine})
    assert replay.status_code == 302 and len(_mine(stack, backer)) == 1

    changed = client.post(
        f"{path}/pledges/{pledge['id']}/change",
        data={"csrf_token": csrf_of(shown), "amount": "20", "tier_id": ""},
    )

    assert changed.status_code == 302
    after = _text(client.get(path))
    assert "Your pledge is now €20.00." in after
    assert "This replaces your pledge of €20.00." in after
    [now] = _mine(stack, backer)
    assert (now["id"], now["amount"], now["tier_id"]) == (pledge["id"], 2_000, None)
    view = stack.pledges.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    assert (view["pledged_amount"], view["backers_count"], view["tiers"][0]["taken"]) == (
        2_000,
        1,
        0,
    )
    assert stack.programmers_words == []


def test_a_partial_refund_says_how_much_of_how_much_for_the_backer_and_the_creator(
    stack: Stack,
) -> None:
    _, backer = stack.account("backer")
    campaign_id, creator_client, creator = stack.funded_campaign(backer=backer, amount=4_500)
    [pledge] = _mine(stack, backer)
    backer_client = stack.site_client(backer)
    refunded = stack.pledges.post(
        f"/api/v1/pledges/{pledge['id']}/refund",
        json={"amount": 1_000, "reason": "Shipping was cheaper"},
        headers=bearer(creator),
    )
    assert refunded.status_code == 200, refunded.get_json()

    mine = _text(backer_client.get("/my/pledges"))
    console = _text(creator_client.get(f"/console/campaigns/{campaign_id}"))

    assert re.search(r'data-label="State">€10.00 refunded of €45.00</td>', mine)
    assert re.search(r'data-label="Status">€10.00 refunded of €45.00</td>', console)
    stack.pledges.post(
        f"/api/v1/pledges/{pledge['id']}/refund",
        json={"reason": "Backer asked"},
        headers=bearer(creator),
    )
    assert "refunded in full (€45.00)" in _text(backer_client.get("/my/pledges"))
    indonesian = _text(backer_client.get("/my/pledges?lang=id"))
    assert "dikembalikan seluruhnya (€ 45)" in indonesian


def _expense_page(client: FlaskClient, campaign_id: str) -> str:
    return _text(client.get(f"/console/campaigns/{campaign_id}/expenses/new"))


def _log(client: FlaskClient, campaign_id: str, receipt: bytes, **fields: str) -> Any:
    path = f"/console/campaigns/{campaign_id}/expenses/new"
    data = {
        "csrf_token": csrf_of(_expense_page(client, campaign_id)),
        "amount": "20.00",
        "category": "printing",
        "other_category": "",
        "description": "Risograph ink",
        "vendor": "Ink & Co",
        "incurred_on": "2026-01-15",
        "receipt": (io.BytesIO(receipt), "invoice.pdf"),
        **fields,
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def _expenses(stack: Stack, campaign_id: str) -> list[dict[str, Any]]:
    ledger = stack.apps["ledger"].test_client()
    entries = ledger.get(f"/api/v1/campaigns/{campaign_id}/entries").get_json()["entries"]
    return [entry for entry in entries if entry["kind"] == "expense"]


def test_the_expense_form_chooses_a_budget_line_or_another_category(stack: Stack) -> None:
    campaign_id, client, _ = stack.funded_campaign()

    form = _expense_page(client, campaign_id)

    assert '<select id="category" name="category"' in form
    assert re.search(r'<option value="printing" selected>printing</option>', form)
    assert '<option value="">Another category</option>' in form
    assert '<label for="other_category">Another category</label>' in form
    assert '<label for="receipt_reuse_reason">Reason for reuse</label>' in form
    assert '<textarea id="receipt_reuse_reason" name="receipt_reuse_reason"' in form

    neither = _log(client, campaign_id, pdf_bytes(), category="", other_category=" ")
    both = _log(client, campaign_id, pdf_bytes(), other_category="Stamps")
    assert neither.status_code == both.status_code == 422
    assert "Type the category, or choose one of the budget lines." in _text(neither)
    assert "Choose “Another category” above to use this one" in _text(both)
    assert _expenses(stack, campaign_id) == []

    by_line = _log(client, campaign_id, pdf_bytes("one"))
    other = _log(client, campaign_id, pdf_bytes("two"), category="", other_category="Stamps")

    assert (by_line.status_code, other.status_code) == (302, 302)
    assert [e["category"] for e in _expenses(stack, campaign_id)] == ["printing", "Stamps"]


def test_refusals_give_amounts_as_the_site_writes_them_and_name_the_forms_fields(
    stack: Stack,
) -> None:
    campaign_id, client, _ = stack.funded_campaign(amount=3_750)

    over = _log(client, campaign_id, pdf_bytes(), amount="42.50")

    assert over.status_code == 422
    text = _text(over)
    assert (
        '<p class="error" id="amount-error1">€42.50 needed but only €37.50 available.</p>' in text
    )
    assert "4250" not in text and "3750" not in text and " EUR " not in text

    receipt = pdf_bytes()
    assert _log(client, campaign_id, receipt, amount="10").status_code == 302
    reused = _log(client, campaign_id, receipt, amount="5")
    assert reused.status_code == 422
    said = _text(reused)
    assert "or say why under “Reason for reuse”." in said
    assert "receipt_reuse_reason" not in said.split('id="receipt-error1">')[1].split("</p>")[0]

    explained = _log(
        client,
        campaign_id,
        receipt,
        amount="5",
        receipt_reuse_reason="One invoice, paid in two parts",
    )

    assert explained.status_code == 302
    first, second = _expenses(stack, campaign_id)
    assert (
        first["receipt_sha256"] == second["receipt_sha256"] == hashlib.sha256(receipt).hexdigest()
    )
    assert second.get("receipt_reuse_reason") == "One invoice, paid in two parts"
    # In Bahasa Indonesia, the amounts as Indonesians write them.
    client.get("/?lang=id")
    indonesian = _text(_log(client, campaign_id, pdf_bytes("x"), amount="42,50"))
    assert "Dibutuhkan € 42,50, tetapi hanya tersedia € 22,50." in indonesian
    assert stack.programmers_words == []
