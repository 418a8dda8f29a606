"""The site in Bahasa Indonesia and English through the real services: Accept-Language picks
Indonesian words and rupiah as Indonesians write them, `?lang=` switches and sticks, and a
signed-in switch is saved on the account and read back at the next sign-in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.factories import bearer
from tests.integration.site.site_support import Stack, csrf_of

INDONESIAN = {"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"}
PASSWORD = "a long and unusual passphrase for tests"


def _main_heading(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found, "the page has no main heading"
    return found.group(1).strip()


def test_an_indonesian_browser_reads_indonesian_and_rupiah_until_it_switches(stack: Stack) -> None:
    _, creator = stack.account("creator")
    campaign = stack.campaign(
        creator, title="Album Nusantara", currency="IDR", goal_amount=1_500_000, tiers=[], budget=[]
    )
    browser = stack.site_client()

    home = browser.get("/", headers=INDONESIAN).get_data(as_text=True)
    page = browser.get(f"/campaigns/{campaign['id']}", headers=INDONESIAN).get_data(as_text=True)

    assert '<html lang="id">' in home and '<html lang="id">' in page
    assert _main_heading(home) == "Kampanye"
    assert "Rp 0 terkumpul dari Rp 1.500.000 (0%)" in home
    assert re.search(r"0 pendukung · \d+ hari, \d+ jam lagi", home), home
    for words in ("Perkembangan", "Cerita", "Jejak dana", "Kabar terbaru", "Masuk", "Daftar"):
        assert words in page, words
    assert "terkumpul dari target Rp 1.500.000" in page
    assert "The money trail" not in page and "Progress" not in page
    # The switch links to this page in each language, other query arguments kept.
    listed = browser.get("/?q=album", headers=INDONESIAN).get_data(as_text=True)
    assert '<a href="/?q=album&amp;lang=en" hreflang="en" lang="en">English</a>' in listed
    assert "1 kampanye cocok dengan “album”." in listed

    english = browser.get(f"/campaigns/{campaign['id']}?lang=en", headers=INDONESIAN)
    later = browser.get("/", headers=INDONESIAN).get_data(as_text=True)

    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "The money trail" in english.get_data(as_text=True)
    assert '<html lang="en">' in later and _main_heading(later) == "Campaigns"
    # English readers keep today's numbers: rupiah in English notation.
    assert "IDR0 pledged of IDR1,500,000 (0%)" in later
    # Junk in `lang` is ignored, never an error.
    junk = browser.get("/?lang=%00xx", headers=INDONESIAN)
    assert junk.status_code == 200 and '<html lang="en">' in junk.get_data(as_text=True)


def test_a_signed_in_switch_is_saved_and_read_at_the_next_sign_in(stack: Stack) -> None:
    signed_up = stack.pledges.post(
        "/api/v1/signup",
        json={"name": "Sari", "email": "sari@example.org", "password": PASSWORD, "role": "creator"},
    )
    assert signed_up.status_code == 201, signed_up.get_json()
    browser = stack.site_client()
    page = browser.get("/login").get_data(as_text=True)
    browser.post(
        "/login",
        data={"csrf_token": csrf_of(page), "email": "sari@example.org", "password": PASSWORD},
    )

    switched = browser.get("/console?lang=id").get_data(as_text=True)
    with browser.session_transaction() as session:
        token = session["token"]

    assert _main_heading(switched) == "Dasbor kreator"
    me = stack.pledges.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["language"] == "id"

    # The new campaign form suggests rupiah and Indonesian automatic updates; the choice is
    # the campaign's language at the pledges service.
    form = browser.get("/console/new").get_data(as_text=True)
    assert 'name="currency" type="text"\n           value="IDR"' in form
    assert 'id="language-id" name="language" value="id" checked' in form
    assert "Bahasa kampanye" in form
    deadline = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    made = browser.post(
        "/console/new",
        data={
            "csrf_token": csrf_of(form),
            "title": "Film dokumenter",
            "description": "Tentang sungai kami.",
            "goal": "Rp 25.000.000",
            "currency": "IDR",
            "deadline": deadline,
            "funding_model": "flexible",
            "language": "id",
        },
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    mine = stack.pledges.get("/api/v1/me/campaigns", headers=bearer(token)).get_json()
    drafted = [c for c in mine["campaigns"] if c["title"] == "Film dokumenter"]
    assert [(c["language"], c["goal_amount"]) for c in drafted] == [("id", 25_000_000)]

    # Another browser, with no Accept-Language and no ?lang: the account's own language.
    other = stack.site_client()
    page = other.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    other.post(
        "/login",
        data={"csrf_token": csrf_of(page), "email": "sari@example.org", "password": PASSWORD},
    )
    home = other.get("/").get_data(as_text=True)
    assert '<html lang="id">' in home and "Keluar" in home
