"""Where backers come from, through the site: a visitor who lands from `?ref=whatsapp` (or from
another site's page) and pledges shows up in the creator's "Where backers came from" table."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.factories import bearer
from tests.integration.site.site_support import Stack, csrf_of

PASSWORD = "a sentence only I would write"


def _pledge(client: FlaskClient, campaign_id: str, amount: str) -> str:
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    done = client.post(
        f"/campaigns/{campaign_id}/pledge",
        data={"csrf_token": csrf_of(page), "amount": amount, "tier_id": ""},
        follow_redirects=True,
    )
    assert done.status_code == 200
    text: str = done.get_data(as_text=True)
    return text


def _referral_section(page: Any) -> str:
    text: str = page.get_data(as_text=True)
    return text.split('<h2 id="referrals-heading">Where backers came from</h2>')[1].split(
        "</section>"
    )[0]


def test_a_pledge_through_a_ref_link_shows_up_in_the_creators_referral_table(
    stack: Stack,
) -> None:
    _, creator = stack.account("creator")
    campaign_id = stack.campaign(creator, title="Cider press")["id"]
    console = stack.site_client(creator)
    empty = _referral_section(console.get(f"/console/campaigns/{campaign_id}"))
    assert "No pledges yet." in empty and f"/campaigns/{campaign_id}?ref=newsletter" in empty
    assert (
        stack.pledges.post(
            "/api/v1/signup",
            json={
                "name": "Ade",
                "email": "ade@example.org",
                "password": PASSWORD,
                "role": "backer",
            },
        ).status_code
        == 201
    )
    stack.relay()

    # Lands from a WhatsApp share, not signed in; reloads and follows other links later.
    ade = stack.site_client()
    landed = ade.get(f"/campaigns/{campaign_id}?ref=WhatsApp")
    assert landed.status_code == 200
    cookies = {c.split("=", 1)[0] for c in landed.headers.getlist("Set-Cookie")}
    assert cookies == {"fundtrail_session"}  # no cookie of its own
    ade.get(f"/campaigns/{campaign_id}?ref=newsletter")
    ade.get(f"/campaigns/{campaign_id}", headers={"Referer": "https://x.com/someone/status/1"})
    # Signs in to pledge: a new session, which keeps where Ade came from.
    login = ade.get("/login").get_data(as_text=True)
    signed_in = ade.post(
        "/login",
        data={"csrf_token": csrf_of(login), "email": "ade@example.org", "password": PASSWORD},
    )
    assert signed_in.status_code == 302
    assert "Thank you! Your pledge of €25.00 is recorded." in _pledge(ade, campaign_id, "25.00")

    # From a post on Facebook (no tag), and with a hostile tag and no referring site.
    _, bola = stack.account("backer")
    from_facebook = stack.site_client(bola)
    from_facebook.get(
        f"/campaigns/{campaign_id}",
        headers={"Referer": "https://www.facebook.com/groups/cider/posts/9?fbclid=abc"},
    )
    _pledge(from_facebook, campaign_id, "40.00")
    _, cici = stack.account("backer")
    hostile = stack.site_client(cici)
    hostile.get(f"/campaigns/{campaign_id}?ref=javascript:alert(document.cookie)")
    _pledge(hostile, campaign_id, "10.00")

    sources = stack.pledges.get(
        f"/api/v1/campaigns/{campaign_id}/referrals", headers=bearer(creator)
    ).get_json()["sources"]
    assert sources == [
        {"source": "facebook.com", "pledges": 1, "amount": 4_000},
        {"source": "whatsapp", "pledges": 1, "amount": 2_500},
        {"source": None, "pledges": 1, "amount": 1_000},
    ]
    page = console.get(f"/console/campaigns/{campaign_id}")
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="num"[^>]*>(\d+)</td>'
        r'\s*<td class="num"[^>]*>([^<]+)</td>',
        _referral_section(page),
    )
    assert rows == [
        ("facebook.com", "1", "€40.00"),
        ("whatsapp", "1", "€25.00"),
        ("Direct or unknown", "1", "€10.00"),
    ]
    assert "javascript" not in page.get_data(as_text=True)
