"""Finding campaigns in every state (live, funded, ended) by title and filter, the story as
rendered Markdown, and the verify box's files under the names its command uses."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from services.site import pages
from tests.factories import bearer
from tests.integration.site.site_support import Stack


def _cards(page: str) -> list[str]:
    """The titles of the campaign cards on a listing page, in order."""
    return re.findall(r'<h2><a href="/campaigns/[0-9a-f-]+">([^<]*)</a></h2>', page)


def test_home_finds_settled_and_ended_campaigns_by_title_and_filter(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, creator = stack.account("creator")
    _, backer = stack.account("backer")
    funded = stack.campaign(creator, title="Pinhole camera", funding_model="flexible")
    stack.pledges.post(
        f"/api/v1/campaigns/{funded['id']}/pledges", json={"amount": 2_000}, headers=bearer(backer)
    )
    stack.campaign(creator, title="Pinhole darkroom")  # all or nothing, nobody pledges
    later = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    stack.campaign(creator, title="Pinhole lens cap", deadline=later)
    cancelled = stack.campaign(creator, title="Pinhole tripod", deadline=later)
    stack.pledges.post(f"/api/v1/campaigns/{cancelled['id']}/cancel", headers=bearer(creator))
    stack.campaign(creator, title="Letterpress zine", deadline=later)
    stack.clock.travel(days=31)
    for campaign_id in _ids(stack, creator, "Pinhole camera", "Pinhole darkroom"):
        stack.pledges.post(f"/api/v1/campaigns/{campaign_id}/settle", headers=bearer(creator))
    stack.relay()
    browser = stack.site_client()

    everything = browser.get("/?q=PINHOLE").get_data(as_text=True)

    assert _cards(everything) == [
        "Pinhole tripod",
        "Pinhole lens cap",
        "Pinhole darkroom",
        "Pinhole camera",
    ]
    assert "4 campaigns matching “PINHOLE”." in everything
    assert "<h1>Campaigns</h1>" in everything
    spending = f'<a href="/campaigns/{funded["id"]}#trail-heading">See the spending</a>'
    assert f"Funded by 1 backer · {spending}" in everything
    assert "Ended: the goal was not reached, nobody was charged." in everything
    assert "Ended: cancelled by its creator, nobody was charged." in everything
    # Each filter keeps the search; the one shown is marked.
    assert '<a href="/?q=PINHOLE&amp;show=funded">Funded — see the spending</a>' in everything
    assert '<a href="/?q=PINHOLE" aria-current="page">All</a>' in everything

    found = browser.get("/?q=pinhole&show=funded").get_data(as_text=True)
    assert _cards(found) == ["Pinhole camera"] and "<h1>Funded campaigns</h1>" in found
    assert '<input type="hidden" name="show" value="funded">' in found
    ended = browser.get("/?q=pinhole&show=ended").get_data(as_text=True)
    assert _cards(ended) == ["Pinhole tripod", "Pinhole darkroom"]
    live = browser.get("/?show=live&q=pinhole").get_data(as_text=True)
    assert _cards(live) == ["Pinhole lens cap"] and "<h1>Live campaigns</h1>" in live
    # A hand-edited filter shows everything rather than an error.
    assert len(_cards(browser.get("/?show=%00drafts&q=pinhole").get_data(as_text=True))) == 4

    # Pages keep the search and the filter.
    monkeypatch.setattr(pages, "HOME_PAGE", 3)
    first = html.unescape(browser.get("/?q=pinhole").get_data(as_text=True))
    assert _cards(first) == ["Pinhole tripod", "Pinhole lens cap", "Pinhole darkroom"]
    assert "Campaigns matching “pinhole”." in first
    assert '<a href="/?q=pinhole&offset=3">Older campaigns</a>' in first
    second = html.unescape(browser.get("/?q=pinhole&offset=3").get_data(as_text=True))
    assert _cards(second) == ["Pinhole camera"]
    assert '<a href="/?q=pinhole">Newer campaigns</a>' in second
    assert "Older campaigns" not in second


def _ids(stack: Stack, creator: str, *titles: str) -> list[str]:
    listed = stack.pledges.get("/api/v1/me/campaigns", headers=bearer(creator)).get_json()
    return [c["id"] for c in listed["campaigns"] if c["title"] in titles]


def test_the_story_shows_its_markdown_rendered_and_its_html_inert(stack: Stack) -> None:
    _, creator = stack.account("creator")
    story = (
        "A **pinhole** camera, [made here](https://example.org/make).\n\n"
        "<script>alert('story')</script>\n\n"
        "[click](javascript:alert(1))"
    )
    campaign = stack.campaign(creator, title="Pinhole", description=story)

    page = stack.site_client().get(f"/campaigns/{campaign['id']}").get_data(as_text=True)

    start = page.index('<div class="story">')
    shown = page[start : page.index("</div>", start)]
    assert "<strong>pinhole</strong>" in shown
    assert 'href="https://example.org/make" rel="noopener noreferrer nofollow ugc"' in shown
    assert "<script>" not in shown and "&lt;script&gt;alert" in shown
    assert "javascript:" not in shown.replace("[click](javascript:alert(1))", "")
    assert shown.count("<a ") == 1


def test_the_verify_files_download_under_the_names_the_command_uses(stack: Stack) -> None:
    campaign_id, browser, _ = stack.funded_campaign()
    ledger = stack.apps["ledger"].test_client()
    checkpoint = ledger.get(f"/api/v1/campaigns/{campaign_id}/checkpoint").get_data()
    size = checkpoint.decode().splitlines()[1]
    expected = {
        "export.jsonl": ledger.get(
            f"/api/v1/campaigns/{campaign_id}/export.jsonl?tree_size={size}"
        ).get_data(),
        "checkpoint.txt": checkpoint,
        "ledger.vkey": ledger.get("/api/v1/log/key").get_data(),
    }

    for name, body in expected.items():
        query = "" if name == "ledger.vkey" else f"?tree_size={size}"
        got = browser.get(f"/campaigns/{campaign_id}/verify/{name}{query}")
        assert got.status_code == 200, name
        assert got.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        assert got.get_data() == body, name
    # Without a size: the latest; a size never published, junk or another name: no such file.
    latest = browser.get(f"/campaigns/{campaign_id}/verify/checkpoint.txt")
    assert latest.get_data() == checkpoint
    for bad in ("checkpoint.txt?tree_size=99", "export.jsonl?tree_size=-1", "report.pdf"):
        answer = browser.get(f"/campaigns/{campaign_id}/verify/{bad}")
        assert answer.status_code == 404, bad
        assert "text/html" in answer.content_type
