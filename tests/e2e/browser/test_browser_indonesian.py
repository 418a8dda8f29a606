"""The creator's and the backer's story in Bahasa Indonesia, in Chromium set to `id-ID`: sign-up
with its mail, a campaign in rupiah, a pledge through a link shared on WhatsApp, read on a
360 px phone, the console with where backers came from, the money trail and the spending report
PDF; each page in Indonesian words (no main heading left in English), fitting its screen, and
without a serious axe-core finding."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

import services.site
from tests.e2e.browser.conftest import (
    PHONE,
    LiveFundtrail,
    Person,
    accessibility_violations,
    layout_problems,
)
from tests.e2e.conftest import eventually
from tests.pdf_support import pdf_text

pytestmark = pytest.mark.kafka

PASSWORD = "frasa panjang yang tidak dipakai orang lain"
#: `FUNDTRAIL_SCREENSHOTS=docs/images` saves the Indonesian campaign page for the README.
SCREENSHOTS = os.environ.get("FUNDTRAIL_SCREENSHOTS")
CATALOGUE = Path(services.site.__file__).parent / "translations/id/LC_MESSAGES/messages.po"


def english_words() -> set[str]:
    """The site's English messages whose Indonesian differs: a heading holding one is a
    leftover."""
    with CATALOGUE.open("rb") as po:
        catalog = read_po(po)
    return {m.id for m in catalog if m.id and isinstance(m.id, str) and m.string != m.id}


class Story:
    def __init__(self, live: LiveFundtrail, axe_source: str) -> None:
        self.live, self.axe_source, self.english = live, axe_source, english_words()
        self.checked: list[str] = []

    def check(self, person: Person, name: str, *words: str) -> None:
        """The page speaks Indonesian: `words` on it, `<html lang="id">`, no heading in
        English; it fits its screen, and axe-core finds nothing serious."""
        from playwright.sync_api import expect

        page = person.page
        expect(page.locator("html")).to_have_attribute("lang", "id")
        for text in words:
            expect(page.locator("body")).to_contain_text(text)
        headings = page.locator("main h1, main h2").all_inner_texts()
        leftovers = [h for h in headings if h.strip() in self.english]
        assert leftovers == [], f"{name}: English headings {leftovers}"
        assert layout_problems(page) == [], name
        assert accessibility_violations(page, self.axe_source) == [], name
        assert person.console_errors == [], f"{name}: {person.console_errors}"
        self.checked.append(name)

    def sign_up(self, person: Person, name: str, role: str) -> str:
        address = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.test"
        page = person.page
        page.goto("/")
        page.get_by_role("link", name="Daftar").click()
        self.check(person, f"daftar ({role})", "Saya ingin")
        page.get_by_label("Nama").fill(name)
        page.get_by_label("Email").fill(address)
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_label(role, exact=True).check()
        page.get_by_role("button", name="Daftar").click()
        self.check(person, f"setelah daftar ({role})", "Selamat datang!", "Masuk sebagai")
        return address


def test_the_story_in_bahasa_indonesia(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str
) -> None:
    from playwright.sync_api import expect

    story = Story(live_fundtrail, axe_source)
    title = f"Album Nusantara {uuid.uuid4().hex[:6]}"

    # A creator signs up in Indonesian, confirms the address and drafts a campaign in rupiah.
    creator = open_browser("id-ID")
    address = story.sign_up(creator, "Sari", "Kreator")
    page = creator.page
    confirmation = live_fundtrail.mail_to(address)
    assert confirmation["Subject"] == "Konfirmasi alamat email Anda untuk Fundtrail"
    page.goto(live_fundtrail.link_in_mail(address))
    page.get_by_role("button", name="Konfirmasi alamat saya").click()
    page.get_by_role("link", name="Dasbor kreator").click()
    page.get_by_role("link", name="Kampanye baru").click()
    expect(page.get_by_label("Mata uang")).to_have_value("IDR")
    expect(page.get_by_label("Bahasa Indonesia")).to_be_checked()
    story.check(creator, "kampanye baru", "Bahasa kampanye", "Model pendanaan")
    page.get_by_label("Judul").fill(title)
    page.get_by_label("Deskripsi").fill("Rekaman lagu-lagu daerah bersama musisi desa.")
    page.get_by_label("Target").fill("1.500.000")
    deadline = datetime.now(UTC) + timedelta(days=1)
    page.get_by_label("Batas waktu").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Semua atau tidak sama sekali").check()
    page.get_by_role("button", name="Buat").click()
    page.get_by_role("row").filter(has_text=title).get_by_role("button", name="Luncurkan").click()
    story.check(creator, "dasbor", "kini berjalan", "Kampanye saya")

    # A backer, on a phone, finds it from the home page and pledges through the link a friend
    # shared on WhatsApp, typing rupiah as Indonesians do.
    backer = open_browser("id-ID")
    backer.page.set_viewport_size(PHONE)
    story.sign_up(backer, "Budi", "Pendukung")
    page = backer.page
    page.goto("/")
    story.check(backer, "beranda", "Berhasil didanai — lihat penggunaan dananya", "Rp 0 terkumpul")
    page.get_by_role("link", name=title).click()
    campaign_url = page.url
    page.goto(f"{campaign_url}?ref=whatsapp")
    page.get_by_label("Jumlah").fill("Rp 2.000.000")
    page.get_by_role("button", name="Dukung").click()
    story.check(
        backer,
        "kampanye",
        "Dukungan Anda sebesar Rp 2.000.000 sudah tercatat",
        "Rp 2.000.000 terkumpul dari target Rp 1.500.000",
        "Jejak dana",
    )
    page.get_by_role("link", name="Dukungan saya").click()
    story.check(backer, "dukungan saya", "didukung")

    # After the deadline the pledge is collected; the money trail shows it in rupiah.
    live_fundtrail.pass_deadlines(timedelta(days=2))
    page = creator.page

    def money_recorded() -> bool:
        page.goto(campaign_url)
        figures = page.locator("dl.figures")
        return figures.count() > 0 and "Rp 2.000.000" in figures.inner_text()

    eventually(money_recorded)
    story.check(creator, "jejak dana", "Terkumpul", "Periksa sendiri", "Titik periksa terbaru")
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "site-campaign-id.png"), full_page=True)
    page.get_by_role("link", name="Kelola kampanye ini").click()
    expect(page.get_by_role("table").filter(has_text="Budi")).to_contain_text("tertagih")
    expect(page.get_by_role("table").filter(has_text="whatsapp")).to_contain_text("Rp 2.000.000")
    story.check(creator, "kelola kampanye", "Angka", "Dukungan", "Asal para pendukung")

    # The report published at settlement, read from the site's report page: the PDF is in
    # Indonesian, with the same rupiah.
    page.goto(f"{campaign_url}/report")
    pdf_link = page.get_by_role("link", name="Baca laporannya (PDF)")

    def report_published() -> bool:
        page.reload()
        return pdf_link.count() > 0

    eventually(report_published)
    story.check(creator, "laporan", "Baca laporannya (PDF)")
    # The ledger names itself by LEDGER_PUBLIC_URL, set before this test served it on a free
    # port: the same path, asked of the served ledger.
    href = urlsplit(pdf_link.get_attribute("href") or "")
    assert "lang=id" in href.query, href
    served = live_fundtrail.service_urls["ledger"]
    report = page.request.get(f"{served}{href.path}?{href.query}")
    assert report.headers["content-type"] == "application/pdf"
    words = pdf_text(report.body())
    assert f"Laporan penggunaan dana Fundtrail: {title}" in words, words
    assert "Rp 2.000.000" in words, words

    # One switch back to English, kept for the visit.
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Campaigns")
    assert len(story.checked) == 12, story.checked
