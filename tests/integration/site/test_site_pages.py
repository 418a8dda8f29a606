"""The site's pages against the real services: the home page, search, a campaign's money trail
and its verify box, escaping, and the security headers."""

from __future__ import annotations

import base64
import html
import uuid

from shared import topics
from shared.events.envelope import encode
from shared.money import format_amount
from tests.factories import bearer, consume
from tests.integration.ledger.ledger_support import ORIGIN, payment_event
from tests.integration.site.site_support import Stack


def test_home_lists_live_campaigns_by_title_not_drafts(stack: Stack) -> None:
    _, creator = stack.account("creator")
    cider = stack.campaign(creator, title="Orchard cider press")
    game = stack.campaign(creator, title="Board game about trust")
    draft = stack.campaign(creator, launch=False, title="Secret draft plans")

    page = stack.site_client().get("/")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'<a href="/campaigns/{cider["id"]}">Orchard cider press</a>' in text
    assert f'<a href="/campaigns/{game["id"]}">Board game about trust</a>' in text
    assert "Secret draft plans" not in text and draft["id"] not in text
    assert '<label for="q">Search by title</label>' in text
    assert "€0.00 pledged of €5,000.00 (0%)" in text


def test_search_by_title_keeps_only_matches(stack: Stack) -> None:
    _, creator = stack.account("creator")
    stack.campaign(creator, title="Orchard cider press")
    stack.campaign(creator, title="Board game about trust")

    text = stack.site_client().get("/?q=CIDER").get_data(as_text=True)

    assert "Orchard cider press" in text
    assert "Board game about trust" not in text
    assert "1 campaign matching “CIDER”" in text
    assert 'value="CIDER"' in text


def test_campaign_page_shows_the_ledgers_money_trail_and_how_to_verify_it(stack: Stack) -> None:
    creator_id, creator = stack.account("creator")
    _, backer = stack.account("backer")
    campaign = stack.campaign(
        creator, title="Cider press", funding_model="flexible", goal_amount=10_000
    )
    campaign_id = campaign["id"]
    pledged = stack.pledges.post(
        f"/api/v1/campaigns/{campaign_id}/pledges", json={"amount": 12_345}, headers=bearer(backer)
    )
    assert pledged.status_code == 201, pledged.get_json()
    stack.clock.travel(days=31)
    settled = stack.pledges.post(f"/api/v1/campaigns/{campaign_id}/settle", headers=bearer(creator))
    assert settled.get_json()["status"] == "succeeded"
    stack.relay()
    ledger = stack.apps["ledger"].test_client()
    balance = ledger.get(f"/api/v1/campaigns/{campaign_id}/balance").get_json()
    assert balance["raised"] == 12_345
    checkpoint = ledger.get(f"/api/v1/campaigns/{campaign_id}/checkpoint").get_data(as_text=True)
    entry = ledger.get(f"/api/v1/campaigns/{campaign_id}/entries").get_json()["entries"][0]

    page = stack.site_client().get(f"/campaigns/{campaign_id}")

    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    for label in ("Raised", "Refunded", "Spent", "Available"):
        figure = format_amount(balance[label.lower()], "EUR")
        assert f"<dt>{label}</dt><dd>{figure}</dd>" in text
    assert "<dt>Raised</dt><dd>€123.45</dd>" in text
    assert "<dt>Available</dt><dd>€123.45</dd>" in text
    # Hashes read in hex everywhere on the site (the API gives base64), folded in the details.
    details = text[text.index('<details class="proof">') : text.index("</details>")]
    assert base64.b64decode(entry["leaf_hash"]).hex() in details
    assert checkpoint.strip() in details
    assert base64.b64decode(checkpoint.splitlines()[2]).hex() in details
    assert "It exits 0 only when every entry is in the signed log" in details
    # Before the fold: one plain sentence, the files under the command's names, the command.
    lede = text[: text.index('<details class="proof">')]
    assert entry["leaf_hash"] not in lede
    assert "The ledger has signed the 1 entry above. Anyone can check on their own computer" in lede
    origin = f"{ORIGIN}/campaigns/{campaign_id}"
    assert (
        "fundtrail verify export.jsonl --checkpoint checkpoint.txt --key ledger.vkey "
        f"--origin {origin}"
    ) in lede
    site_files = f"/campaigns/{campaign_id}/verify"
    assert f'href="{site_files}/export.jsonl?tree_size=1" download>export.jsonl</a>' in lede
    assert f'href="{site_files}/checkpoint.txt?tree_size=1" download>checkpoint.txt</a>' in lede
    assert f'href="{site_files}/ledger.vkey" download>ledger.vkey</a>' in lede
    wheel = stack.apps["ledger"].test_client().get("/api/v1/verifier").get_json()
    assert f"pipx install https://ledger.example.org/verifier/{wheel['filename']}" in lede
    # The ledger's own addresses stay, for curl, in the details.
    base = f"https://ledger.example.org/api/v1/campaigns/{campaign_id}"
    assert f'curl -s -o export.jsonl "{base}/export.jsonl?tree_size=1"' in details
    assert f"curl -s -o checkpoint.txt {base}/checkpoints/1" in details
    assert "curl -s -o ledger.vkey https://ledger.example.org/api/v1/log/key" in details
    assert f'href="https://ledger.example.org/campaigns/{campaign_id}/report.pdf?lang=en"' in text
    assert "Verify it yourself" in text


def test_a_public_update_shows_as_the_updates_service_sanitised_it(stack: Stack) -> None:
    _, creator = stack.account("creator")
    campaign = stack.campaign(creator, title="Cider press")
    posted = (
        stack.apps["updates"]
        .test_client()
        .post(
            f"/api/v1/campaigns/{campaign['id']}/updates",
            json={
                "title": "Pressing <day>",
                "body": "The *apples* are in.<script>alert(1)</script>",
                "visibility": "public",
            },
            headers=bearer(creator),
        )
    )
    assert posted.status_code == 201, posted.get_json()

    text = stack.site_client().get(f"/campaigns/{campaign['id']}").get_data(as_text=True)

    assert '">Pressing &lt;day&gt;</a></h3>' in text
    assert "<em>apples</em>" in text
    assert "<script>" not in text


def test_creator_text_is_escaped_everywhere(stack: Stack) -> None:
    _, creator = stack.account("creator")
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    campaign = stack.campaign(creator, title=f"Cider {evil}", description=f"Story {evil}")
    client = stack.site_client()

    for path in ("/", f"/campaigns/{campaign['id']}"):
        text = client.get(path).get_data(as_text=True)
        assert "<script" not in text and "<img" not in text
        assert "Cider &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x" in text


def test_pages_carry_a_strict_content_security_policy_and_no_inline_code(stack: Stack) -> None:
    _, creator = stack.account("creator")
    campaign = stack.campaign(creator, title="Cider press")
    client = stack.site_client()

    for path in ("/", f"/campaigns/{campaign['id']}", "/login", "/signup", "/nowhere"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        text = response.get_data(as_text=True)
        assert " style=" not in text and "<style" not in text and "<script" not in text


def test_an_unknown_campaign_is_a_page_for_people(stack: Stack) -> None:
    response = stack.site_client().get("/campaigns/6f1c1f4e-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>Page not found</h1>" in response.get_data(as_text=True)


def test_the_money_trail_shows_payment_fees_and_money_held_by_disputes(stack: Stack) -> None:
    _, creator = stack.account("creator")
    _, backer = stack.account("backer")
    campaign_id = stack.campaign(creator, funding_model="flexible", goal_amount=10_000)["id"]
    pledged = stack.pledges.post(
        f"/api/v1/campaigns/{campaign_id}/pledges", json={"amount": 10_000}, headers=bearer(backer)
    )
    assert pledged.status_code == 201, pledged.get_json()
    page = stack.site_client().get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    # Before any fee or dispute, the page names neither.
    assert "Payment fees" not in page and "Held by disputes" not in page
    stack.clock.travel(days=31)
    stack.pledges.post(f"/api/v1/campaigns/{campaign_id}/settle", headers=bearer(creator))
    stack.relay()
    pledge_id, cid = uuid.UUID(pledged.get_json()["id"]), uuid.UUID(campaign_id)
    for event in (
        payment_event(
            "payment.fee_charged", cid, pledge_id, 320, fee_kind="processing",
            payment_reference="txn_site_fee",
        ),
        payment_event(
            "payment.dispute_opened", cid, pledge_id, 2_500, dispute_reference="dp_site",
            reason="fraudulent",
        ),
    ):  # fmt: skip
        consume(stack.apps["ledger"], encode(event), topics.PLEDGES)

    text = html.unescape(
        stack.site_client().get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    )

    assert "<dt>Raised</dt><dd>€100.00</dd>" in text  # gross
    assert "<dt>Payment fees</dt><dd>€3.20</dd>" in text
    assert "<dt>Held by disputes</dt><dd>€25.00</dd>" in text
    assert "<dt>Available</dt><dd>€71.80</dd>" in text
