"""A backer's own pledge on the campaign page (change it, cancel it, refusals shown next to the
fields) and the money trail's pages of entries, against the real services."""

from __future__ import annotations

import base64
import html
import re
from typing import Any

import pytest

from services.site import campaign_page
from tests.factories import bearer
from tests.integration.site.site_support import Stack, confirm, confirmation_of, csrf_of


def _pledged(stack: Stack, **campaign: Any) -> tuple[str, dict[str, Any], str, Any]:
    """A live campaign with a backer's €25.00 pledge; its id, the pledge, the backer's token
    and their browser on the site."""
    _, creator = stack.account("creator")
    _, backer = stack.account("backer")
    made = stack.campaign(creator, title="Cider press", **campaign)
    response = stack.pledges.post(
        f"/api/v1/campaigns/{made['id']}/pledges", json={"amount": 2_500}, headers=bearer(backer)
    )
    assert response.status_code == 201, response.get_json()
    return made["id"], response.get_json(), backer, stack.site_client(backer)


def _pledge(stack: Stack, pledge_id: str, token: str) -> dict[str, Any]:
    found: dict[str, Any] = stack.pledges.get(
        f"/api/v1/pledges/{pledge_id}", headers=bearer(token)
    ).get_json()
    return found


def _tier(stack: Stack, campaign_id: str) -> dict[str, Any]:
    tier: dict[str, Any] = stack.pledges.get(f"/api/v1/campaigns/{campaign_id}").get_json()[
        "tiers"
    ][0]
    return tier


def test_a_backer_changes_then_cancels_their_pledge_on_the_campaign_page(stack: Stack) -> None:
    campaign_id, pledge, backer, client = _pledged(stack)
    pid = pledge["id"]
    tier = _tier(stack, campaign_id)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert '<h2 id="your-pledge-heading">Your pledge</h2>' in page
    assert f'<label for="pledge-{pid}-amount">New amount</label>' in page
    assert re.search(
        rf'<input id="pledge-{pid}-amount" name="amount" type="text"\s+value="25.00"', page
    )
    assert f'<label for="pledge-{pid}-tier_id">New tier</label>' in page
    # Once pledged, the new-pledge form (whose "Amount" this was) is gone: a second pledge
    # would have replaced this one (issue 18), so only the change form asks for an amount.
    assert ">Amount</label>" not in page and 'name="idempotency_key"' not in page
    mine = client.get("/my/pledges").get_data(as_text=True)
    assert f'href="/campaigns/{campaign_id}#your-pledge-heading">Change or cancel' in mine

    changed = client.post(
        f"/campaigns/{campaign_id}/pledges/{pid}/change",
        data={"csrf_token": csrf_of(page), "amount": "40", "tier_id": tier["id"]},
    )

    assert changed.status_code == 302
    assert changed.headers["Location"] == f"/campaigns/{campaign_id}#your-pledge-heading"
    now = _pledge(stack, pid, backer)
    assert (now["amount"], now["tier_id"], now["status"]) == (4_000, tier["id"], "pledged")
    shown = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Your pledge is now €40.00." in shown
    assert re.search(rf'id="pledge-{pid}-amount" name="amount" type="text"\s+value="40.00"', shown)
    assert f'<option value="{tier["id"]}" selected>' in shown

    asked = client.post(
        f"/campaigns/{campaign_id}/pledges/{pid}/cancel", data={"csrf_token": csrf_of(shown)}
    )
    assert asked.status_code == 200 and _pledge(stack, pid, backer)["status"] == "pledged"
    cancelled = confirm(client, asked.get_data(as_text=True), follow_redirects=True)

    assert cancelled.status_code == 200
    text = cancelled.get_data(as_text=True)
    assert "Your pledge of €40.00 is cancelled." in text
    assert "your-pledge-heading" not in text
    assert _pledge(stack, pid, backer)["status"] == "cancelled"
    found = stack.pledges.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    assert (found["pledged_amount"], found["backers_count"]) == (0, 0)


def _consequences(page: str) -> list[str]:
    found = re.search(r'<ul class="consequences">(.*?)</ul>', page, re.S)
    assert found, "the page says nothing of what will happen"
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1))]


def test_cancel_pledge_first_says_what_it_does_and_only_its_button_cancels(
    stack: Stack,
) -> None:
    campaign_id, pledge, backer, client = _pledged(
        stack, tiers=[{"name": "Founders", "min_amount": 1_000, "limit": 3}]
    )
    pid = pledge["id"]
    tier = _tier(stack, campaign_id)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    changed = client.post(
        f"/campaigns/{campaign_id}/pledges/{pid}/change",
        data={"csrf_token": csrf_of(page), "amount": "45", "tier_id": tier["id"]},
    )
    assert changed.status_code == 302
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    cancel = f"/campaigns/{campaign_id}/pledges/{pid}/cancel"

    one_click = client.post(cancel, data={"csrf_token": csrf_of(page)})
    said_no = client.post(cancel, data={"csrf_token": csrf_of(page), "confirm": "no"})
    # A page elsewhere posting the confirmation itself has no CSRF token: refused.
    forged = stack.site_client(backer).post(cancel, data={"confirm": "yes"})

    text = one_click.get_data(as_text=True)
    assert one_click.status_code == 200
    assert "<h1>Cancel your pledge of €45.00?</h1>" in text
    deadline = re.search(r"until ([^)]+)\)", " ".join(_consequences(text)))
    assert deadline and deadline.group(1).endswith("UTC")
    assert _consequences(text) == [
        "Your pledge of €45.00 (tier “Founders”) to “Cider press” is withdrawn: you are never "
        "charged for it.",
        "Its place in the limited tier “Founders” is freed for someone else: it is not kept "
        "for you.",
        "The creator and everyone else see the campaign's backers go from 1 to 0, and €45.00 "
        "less pledged.",
        f"You may pledge to this campaign again, as a new pledge, while it is live (until "
        f"{deadline.group(1)}).",
    ]
    assert '<button type="submit" class="danger">Cancel my pledge</button>' in text
    assert f'<a href="/campaigns/{campaign_id}#your-pledge-heading">No, keep my pledge</a>' in text
    action, fields = confirmation_of(text)
    assert (action, fields["confirm"]) == (cancel, "yes") and set(fields) == {
        "confirm",
        "csrf_token",
    }
    assert said_no.status_code == 200 and "No, keep my pledge" in said_no.get_data(as_text=True)
    assert forged.status_code == 400
    now = _pledge(stack, pid, backer)
    assert (now["amount"], now["tier_id"], now["status"]) == (4_500, tier["id"], "pledged")
    assert _tier(stack, campaign_id)["taken"] == 1

    indonesian = stack.site_client(backer)
    indonesian.get("/?lang=id")
    asked_id = indonesian.post(
        cancel,
        data={
            "csrf_token": csrf_of(
                indonesian.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
            )
        },
    ).get_data(as_text=True)
    assert "<h1>Batalkan dukungan Anda sebesar € 45?</h1>" in asked_id
    said_id = _consequences(asked_id)
    assert said_id[1] == (
        "Tempatnya di tingkatan terbatas “Founders” dibebaskan untuk orang lain: tempat itu "
        "tidak disimpan untuk Anda."
    )
    assert said_id[0] == (
        "Dukungan Anda sebesar € 45 (tingkatan “Founders”) untuk “Cider press” ditarik: Anda "
        "tidak akan pernah ditagih untuknya."
    )
    assert said_id[2].startswith(
        "Kreator dan semua orang melihat jumlah pendukung kampanye turun dari 1 menjadi 0"
    )
    assert said_id[3].startswith("Anda boleh mendukung kampanye ini lagi")
    assert ">Batalkan dukungan saya</button>" in asked_id
    assert ">Tidak, pertahankan dukungan saya</a>" in asked_id
    assert _pledge(stack, pid, backer)["status"] == "pledged"

    done = confirm(client, text)
    assert done.status_code == 302
    assert _pledge(stack, pid, backer)["status"] == "cancelled"
    assert _tier(stack, campaign_id)["taken"] == 0
    # As the page said: a new pledge may follow, and the freed place is open to it.
    again = stack.pledges.post(
        f"/api/v1/campaigns/{campaign_id}/pledges",
        json={"amount": 1_000, "tier_id": tier["id"]},
        headers=bearer(backer),
    )
    assert again.status_code == 201, again.get_json()
    # The old page's button pressed again changes nothing and says so.
    twice = confirm(client, text, follow_redirects=True).get_data(as_text=True)
    assert "That pledge is already cancelled, so nothing was changed." in twice
    assert _pledge(stack, again.get_json()["id"], backer)["status"] == "pledged"


def test_changes_without_csrf_by_someone_else_or_by_nobody_are_refused(stack: Stack) -> None:
    campaign_id, pledge, backer, client = _pledged(stack)
    change = f"/campaigns/{campaign_id}/pledges/{pledge['id']}/change"
    cancel = f"/campaigns/{campaign_id}/pledges/{pledge['id']}/cancel"
    _, other = stack.account("backer")
    intruder = stack.site_client(other)
    intruder_page = intruder.get(f"/campaigns/{campaign_id}").get_data(as_text=True)

    no_token = client.post(change, data={"amount": "99"})
    not_theirs = intruder.post(change, data={"csrf_token": csrf_of(intruder_page), "amount": "99"})
    not_theirs_cancel = intruder.post(cancel, data={"csrf_token": csrf_of(intruder_page)})
    nobody = stack.site_client()
    anonymous = nobody.post(
        cancel, data={"csrf_token": csrf_of(nobody.get("/login").get_data(as_text=True))}
    )
    wrong_campaign = client.post(
        f"/campaigns/{stack.campaign(stack.account('creator')[1])['id']}/pledges/"
        f"{pledge['id']}/cancel",
        data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))},
    )

    assert no_token.status_code == 400
    assert "This form has expired" in no_token.get_data(as_text=True)
    for refused in (not_theirs, not_theirs_cancel):
        assert refused.status_code == 403
        assert "<h1>Not allowed</h1>" in refused.get_data(as_text=True)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith(f"/login?next=/campaigns/{campaign_id}")
    assert wrong_campaign.status_code == 404
    now = _pledge(stack, pledge["id"], backer)
    assert (now["amount"], now["status"]) == (2_500, "pledged")


def test_a_bad_amount_is_shown_next_to_the_new_amount_with_the_value_kept(stack: Stack) -> None:
    campaign_id, pledge, backer, client = _pledged(stack)
    pid = pledge["id"]
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)

    typed = client.post(
        f"/campaigns/{campaign_id}/pledges/{pid}/change",
        data={"csrf_token": csrf_of(page), "amount": "12.345", "tier_id": ""},
    )
    # Below the tier's minimum (€30.00): the pledges service refuses it, 422.
    below = client.post(
        f"/campaigns/{campaign_id}/pledges/{pid}/change",
        data={
            "csrf_token": csrf_of(page),
            "amount": "5",
            "tier_id": _tier(stack, campaign_id)["id"],
        },
    )

    assert typed.status_code == 422
    text = typed.get_data(as_text=True)
    assert (
        f'<p class="error" id="pledge-{pid}-amount-error1">EUR amounts have at most 2 decimals.</p>'
        in text
    )
    assert re.search(rf'id="pledge-{pid}-amount" name="amount" type="text"\s+value="12.345"', text)
    # The new-pledge form is untouched by the other form's errors.
    assert 'id="amount-error1"' not in text
    assert below.status_code == 422
    refused = below.get_data(as_text=True)
    assert f'id="pledge-{pid}-amount-error1"' in refused and "30" in refused
    assert re.search(rf'id="pledge-{pid}-amount" name="amount" type="text"\s+value="5"', refused)
    assert _pledge(stack, pid, backer)["amount"] == 2_500


def test_a_sold_out_tier_is_shown_next_to_the_tier(stack: Stack) -> None:
    campaign_id, pledge, backer, client = _pledged(
        stack, tiers=[{"name": "Founders", "min_amount": 1_000, "limit": 1}]
    )
    tier = _tier(stack, campaign_id)
    _, other = stack.account("backer")
    taken = stack.pledges.post(
        f"/api/v1/campaigns/{campaign_id}/pledges",
        json={"amount": 1_000, "tier_id": tier["id"]},
        headers=bearer(other),
    )
    assert taken.status_code == 201, taken.get_json()
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)

    response = client.post(
        f"/campaigns/{campaign_id}/pledges/{pledge['id']}/change",
        data={"csrf_token": csrf_of(page), "amount": "25", "tier_id": tier["id"]},
    )

    assert response.status_code == 409
    text = html.unescape(response.get_data(as_text=True))
    assert f'<p class="error" id="pledge-{pledge["id"]}-tier_id-error1">' in text
    assert "taken" in text.split(f'id="pledge-{pledge["id"]}-tier_id-error1">')[1].split("</p>")[0]
    assert f'<option value="{tier["id"]}" selected>' in text
    assert _pledge(stack, pledge["id"], backer)["tier_id"] is None


def test_after_the_deadline_a_pledge_can_no_longer_be_changed_or_cancelled(stack: Stack) -> None:
    campaign_id, pledge, backer, client = _pledged(stack)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    stack.clock.travel(days=31)

    shown = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    changed = client.post(
        f"/campaigns/{campaign_id}/pledges/{pledge['id']}/change",
        data={"csrf_token": csrf_of(page), "amount": "40"},
    )
    cancelled = client.post(
        f"/campaigns/{campaign_id}/pledges/{pledge['id']}/cancel",
        data={"csrf_token": csrf_of(page)},
    )

    assert "You pledged €25.00" in shown
    assert "Change</button>" not in shown and "Cancel pledge</button>" not in shown
    assert "only while the campaign is live" in shown
    for refused in (changed, cancelled):
        assert refused.status_code == 409
        text = refused.get_data(as_text=True)
        assert '<div class="form-errors" role="alert">' in text and "deadline" in text
    now = _pledge(stack, pledge["id"], backer)
    assert (now["amount"], now["status"]) == (2_500, "pledged")


def _three_entries(stack: Stack) -> tuple[str, list[dict[str, Any]]]:
    """A settled flexible campaign with three contributions in its ledger."""
    _, creator = stack.account("creator")
    made = stack.campaign(creator, title="Cider press", funding_model="flexible")
    for amount in (1_000, 2_000, 3_000):
        _, backer = stack.account("backer")
        response = stack.pledges.post(
            f"/api/v1/campaigns/{made['id']}/pledges",
            json={"amount": amount},
            headers=bearer(backer),
        )
        assert response.status_code == 201, response.get_json()
    stack.clock.travel(days=31)
    settled = stack.pledges.post(f"/api/v1/campaigns/{made['id']}/settle", headers=bearer(creator))
    assert settled.get_json()["status"] == "succeeded"
    stack.relay()
    ledger = stack.apps["ledger"].test_client()
    entries = ledger.get(f"/api/v1/campaigns/{made['id']}/entries").get_json()["entries"]
    assert [e["seq"] for e in entries] == [0, 1, 2]
    return made["id"], entries


def test_the_money_trail_pages_through_its_entries(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(campaign_page, "ENTRIES_PAGE", 2)
    campaign_id, entries = _three_entries(stack)
    client = stack.site_client()

    first = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)

    later = f"/campaigns/{campaign_id}?entries_after=1#trail-heading"
    assert f'<a href="{later}">Later entries</a>' in first
    assert "Earliest entries" not in first
    leaves = [base64.b64decode(entry["leaf_hash"]).hex() for entry in entries]
    assert leaves[0] in first and leaves[1] in first
    assert leaves[2] not in first

    second = client.get(f"/campaigns/{campaign_id}?entries_after=1")

    assert second.status_code == 200
    text = second.get_data(as_text=True)
    assert leaves[2] in text and leaves[0] not in text
    assert "Entries #2 to #2" in text
    assert f'<a href="/campaigns/{campaign_id}#trail-heading">Earliest entries</a>' in text
    assert "Later entries" not in text


def test_junk_or_out_of_range_entry_positions_give_a_clean_page(stack: Stack) -> None:
    campaign_id, _ = _three_entries(stack)
    client = stack.site_client()

    for junk in ("abc", "-1", "1e3", "1.5", "", " 1", "\uff11", "9" * 17, str(2**53)):
        response = client.get(f"/campaigns/{campaign_id}", query_string={"entries_after": junk})
        assert response.status_code == 404, junk
        assert "<h1>Page not found</h1>" in response.get_data(as_text=True)
    beyond = client.get(f"/campaigns/{campaign_id}?entries_after=500")

    assert beyond.status_code == 200
    text = beyond.get_data(as_text=True)
    assert "There are no entries after #500." in text
    assert f'<a href="/campaigns/{campaign_id}#trail-heading">Earliest entries</a>' in text
    assert client.get(f"/campaigns/{campaign_id}?entries_after={2**53 - 1}").status_code == 200
