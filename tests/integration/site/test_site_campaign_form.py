"""The new-campaign form (rows added and removed without JavaScript, the deadline in the
creator's time zone, every error at once), and a launched campaign's story and tiers revised
with a public history (issue 18)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from babel.dates import format_date

from tests.factories import bearer
from tests.integration.pledges.helpers import snapshot
from tests.integration.site.site_support import Stack, csrf_of

#: A deadline two months away, as typed in Jakarta (UTC+7, no daylight saving).
LOCAL = (datetime.now(UTC) + timedelta(days=60)).replace(hour=18, minute=0)
DEADLINE = LOCAL.strftime("%Y-%m-%dT%H:%M")
MONTH = (datetime.now(UTC) + timedelta(days=150)).strftime("%Y-%m")


def _form(csrf: str, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf,
        "tier_rows": "2",
        "budget_rows": "1",
        "title": "Pinhole cameras",
        "description": "Cameras for a school darkroom.",
        "goal": "1000",
        "currency": "EUR",
        "deadline": DEADLINE,
        "timezone": "Asia/Jakarta",
        "funding_model": "all_or_nothing",
        "language": "en",
        "tier_name_0": "A camera",
        "tier_min_0": "40",
        "tier_description_0": "One pinhole camera, hand-made.",
        "tier_month_0": MONTH,
        "tier_name_1": "Two cameras",
        "tier_min_1": "75",
        "budget_category_0": "wood",
        "budget_amount_0": "300",
    }
    data.update(overrides)
    return data


def _error(page: str, field: str) -> str:
    found = re.search(rf'id="{re.escape(field)}-error1">([^<]*)<', page)
    assert found, f"no error next to {field}"
    return html.unescape(found.group(1))


def _mine(stack: Stack, token: str) -> list[dict]:
    return stack.pledges.get("/api/v1/me/campaigns", headers=bearer(token)).get_json()["campaigns"]


def test_rows_are_added_and_removed_without_javascript_keeping_what_was_typed(
    stack: Stack,
) -> None:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")
    page = client.get("/console/new").get_data(as_text=True)
    assert page.count(">Tier name<") == 1 and ">Add a tier</button>" in page
    assert "Pledges are collected only if they reach the goal by the deadline" in page
    assert "You keep every pledge at the deadline" in page
    assert '<option value="Asia/Jakarta"' in page and '<option value="UTC" selected>' in page
    before = snapshot(stack.apps["pledges"])

    added = client.post("/console/new", data=_form(csrf_of(page), add="tier"))
    text = html.unescape(added.get_data(as_text=True))
    assert added.status_code == 200
    assert text.count(">Tier name<") == 3
    assert 'name="tier_rows" value="3"' in text
    assert (
        'value="One pinhole camera, hand-made.' in text or "One pinhole camera, hand-made." in text
    )
    assert 'value="Two cameras"' in text
    assert f"That is {(LOCAL - timedelta(hours=7)).strftime('%Y-%m-%d %H:%M')} UTC." in text

    removed = client.post("/console/new", data=_form(csrf_of(page), remove_tier="0"))
    text = html.unescape(removed.get_data(as_text=True))
    assert text.count(">Tier name<") == 1
    assert 'name="tier_name_0" type="text"\n           value="Two cameras"' in text or re.search(
        r'name="tier_name_0"[^>]*value="Two cameras"', text
    )
    assert "A camera" not in text
    assert snapshot(stack.apps["pledges"]) == before
    assert _mine(stack, token) == []


def test_the_deadline_is_typed_in_the_creators_time_zone_and_shown_in_utc(stack: Stack) -> None:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")
    page = client.get("/console/new").get_data(as_text=True)

    made = client.post("/console/new", data=_form(csrf_of(page)), follow_redirects=True)

    text = html.unescape(made.get_data(as_text=True))
    utc = LOCAL - timedelta(hours=7)
    assert f"Its deadline is {DEADLINE.replace('T', ' ')} Asia/Jakarta" in text
    assert f"{utc:%Y-%m-%d %H:%M} UTC" in text
    [campaign] = _mine(stack, token)
    assert campaign["deadline"].startswith(utc.strftime("%Y-%m-%dT%H:%M:00"))
    assert [(t["description"], t["delivery_month"]) for t in campaign["tiers"]] == [
        ("One pinhole camera, hand-made.", MONTH),
        ("", None),
    ]


def test_bad_time_zones_and_clock_changes_and_months_are_form_errors_and_write_nothing(
    stack: Stack,
) -> None:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")
    csrf = csrf_of(client.get("/console/new").get_data(as_text=True))
    before = snapshot(stack.apps["pledges"])
    year = datetime.now(UTC).year + 1
    cases = (
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list."),
        ({"timezone": "../../etc/passwd"}, "timezone", "Choose a time zone from the list."),
        (
            {"timezone": "Europe/Berlin", "deadline": f"{year}-03-28T02:30"},
            "deadline",
            "does not exist in Europe/Berlin: the clocks go forward then",
        ),
        (
            {"timezone": "Europe/Berlin", "deadline": f"{year}-10-31T02:30"},
            "deadline",
            "happens twice in Europe/Berlin: the clocks go back then",
        ),
        ({"tier_month_0": "March 2027"}, "tier_month_0", "Enter the month as year and month"),
        ({"tier_month_0": f"{year}-13"}, "tier_month_0", "Enter the month as year and month"),
    )
    for typed, field, words in cases:
        response = client.post("/console/new", data=_form(csrf, **typed))
        assert response.status_code == 422, typed
        assert words in _error(response.get_data(as_text=True), field), typed
    # A month the service refuses (before the deadline) lands next to its row too.
    early = client.post("/console/new", data=_form(csrf, tier_month_0="2020-01"))
    assert "deadline" in _error(early.get_data(as_text=True), "tier_month_0")
    assert snapshot(stack.apps["pledges"]) == before


def test_a_huge_number_of_rows_is_refused_without_reading_them(stack: Stack) -> None:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")
    csrf = csrf_of(client.get("/console/new").get_data(as_text=True))
    before = snapshot(stack.apps["pledges"])

    response = client.post(
        "/console/new", data=_form(csrf, tier_rows="10000000", budget_rows="99999999999")
    )

    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "A campaign has at most 50 tiers." in text
    assert "A budget has at most 100 lines." in text
    assert text.count(">Tier name<") == 50
    full = client.post("/console/new", data=_form(csrf, tier_rows="50", add="tier"))
    assert "A campaign has at most 50 tiers." in html.unescape(full.get_data(as_text=True))
    assert snapshot(stack.apps["pledges"]) == before


def test_every_error_is_shown_at_once_with_a_summary_linking_to_each_field(
    stack: Stack,
) -> None:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")
    csrf = csrf_of(client.get("/console/new").get_data(as_text=True))

    response = client.post(
        "/console/new",
        data=_form(csrf, title="", goal="lots", deadline="soon", tier_month_0="later"),
    )

    text = html.unescape(response.get_data(as_text=True))
    summary = text.split('class="error-summary"')[1].split("</div>")[0]
    for field in ("title", "goal", "deadline", "tier_month_0"):
        assert f'href="#{field}"' in summary
        assert _error(text, field)
    assert "There are 4 problems with the form" in summary
    # Valid to the site, refused by the service: every refused term at once as well.
    both = client.post(
        "/console/new", data=_form(csrf, tier_name_1="A camera", tier_month_0="2020-01")
    )
    text = html.unescape(both.get_data(as_text=True))
    assert "another tier has this name" in _error(text, "tier_name_1")
    assert "deadline" in _error(text, "tier_month_0")


def test_a_creator_revises_a_live_campaigns_story_and_tiers_and_the_history_shows_both(
    stack: Stack,
) -> None:
    _, token = stack.account("creator")
    live = stack.campaign(
        token,
        title="Darkroom",
        description="The first story. **Bold** words.",
        tiers=[
            {
                "name": "A print",
                "min_amount": 2_000,
                "description": "A print.",
                "delivery_month": MONTH,
            }
        ],
    )
    client = stack.site_client(token, role="creator")
    path = f"/console/campaigns/{live['id']}/edit"
    page = client.get(path).get_data(as_text=True)
    assert "Edit the story and tiers" in page and 'name="goal"' not in page
    other_token = stack.account("creator")[1]
    intruder = stack.site_client(other_token, role="creator")
    other_csrf = csrf_of(intruder.get("/console").get_data(as_text=True))
    before = snapshot(stack.apps["pledges"])
    refused = intruder.post(path, data={"csrf_token": other_csrf, "description": "Mine now"})
    assert refused.status_code == 403
    assert snapshot(stack.apps["pledges"]) == before

    saved = client.post(
        path,
        data={
            "csrf_token": csrf_of(page),
            "title": "Darkroom",
            "description": (
                "The second story. [Our lab](https://example.org/lab) <script>x()</script>"
            ),
            "tier_name_0": "A print",
            "tier_description_0": "A signed print.",
            "tier_month_0": MONTH,
            "goal": "1",  # not a field of this form: never sent
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    after = stack.pledges.get(f"/api/v1/campaigns/{live['id']}").get_json()
    assert after["description"].startswith("The second story.")
    assert after["goal_amount"] == live["goal_amount"]
    assert after["tiers"][0]["description"] == "A signed print."

    public = stack.site_client()
    shown = html.unescape(public.get(f"/campaigns/{live['id']}").get_data(as_text=True))
    assert "The second story." in shown and "A signed print." in shown
    month_words = format_date(datetime.strptime(MONTH, "%Y-%m"), "LLLL y", locale="en")
    assert f"Estimated delivery: {month_words}" in shown
    assert f'href="/campaigns/{live["id"]}/history"' in shown and "see what changed" in shown
    raw_history = public.get(f"/campaigns/{live['id']}/history").get_data(as_text=True)
    assert "<script>x()" not in raw_history  # shown as text at most, never run
    history = html.unescape(raw_history)
    assert history.index("The first story.") < history.index("The second story.")
    # Each version's story is rendered and sanitised as on the campaign page: no raw Markdown.
    assert "<strong>Bold</strong> words." in history and "**Bold**" not in history
    assert '<a href="https://example.org/lab" rel="noopener noreferrer nofollow ugc">' in history
    assert "[Our lab]" not in history
    assert "A print." in history and "A signed print." in history
    assert "The story changed." in history
    assert "The description of the tier “A print” changed." in history
    indonesian = html.unescape(
        public.get(f"/campaigns/{live['id']}?lang=id").get_data(as_text=True)
    )
    month_id = format_date(datetime.strptime(MONTH, "%Y-%m"), "LLLL y", locale="id")
    assert month_id in indonesian


def test_an_ended_campaign_is_not_edited(stack: Stack) -> None:
    _, token = stack.account("creator")
    live = stack.campaign(token, title="Called off")
    stack.pledges.post(f"/api/v1/campaigns/{live['id']}/cancel", headers=bearer(token))
    client = stack.site_client(token, role="creator")
    csrf = csrf_of(client.get("/console").get_data(as_text=True))
    before = snapshot(stack.apps["pledges"])

    posted = client.post(
        f"/console/campaigns/{live['id']}/edit", data={"csrf_token": csrf, "title": "Back"}
    )

    assert posted.status_code == 302
    shown = html.unescape(client.get(posted.headers["Location"]).get_data(as_text=True))
    assert "it can no longer be edited, so nothing was changed" in shown
    assert snapshot(stack.apps["pledges"]) == before
    assert stack.site_client().get(f"/campaigns/{live['id']}/history").status_code == 200
