"""A visitor finds a funded campaign by searching its title and choosing "Funded — see the
spending", reads its story (Markdown rendered, a script in it inert), reads the proof in plain
words and unfolds its details, downloads the three files under the names the command uses,
installs the verifier from the line the box shows and runs the box's command: verified, and
not once a line is tampered with. The same pages then on a 360 px phone."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import sysconfig
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.browser.conftest import (
    DESKTOP,
    PHONE,
    LiveFundtrail,
    accessibility_violations,
    layout_problems,
)
from tests.e2e.conftest import eventually
from tests.factories import bearer, campaign_body, create_account

pytestmark = pytest.mark.kafka

STORY = (
    "A **pinhole camera** made of tin, [the plans](https://example.org/plans).\n\n"
    "<script>window.storyRan = true</script>\n\n"
    "[click](javascript:window.storyRan=true)"
)


def test_a_funded_campaign_is_found_its_story_read_and_its_books_verified(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    title = f"Tin pinhole camera {uuid.uuid4().hex[:6]}"
    campaign_id = _funded_campaign(live_fundtrail, title)

    visitor = open_browser()
    page = visitor.page
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    page.get_by_label("Search by title").fill("PINHOLE camera")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Funded — see the spending").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funded campaigns")
    expect(page.get_by_label("Search by title")).to_have_value("PINHOLE camera")
    card = page.locator("li.card").filter(has_text=title)
    expect(card).to_contain_text("Funded by 1 backer")
    home = re.sub(r"^https?://[^/]+", "", page.url)
    card.get_by_role("link", name=title).click()

    # The story: Markdown rendered; its script and javascript: link mere text.
    story = page.locator("div.story")
    expect(story.locator("strong")).to_have_text("pinhole camera")
    expect(story.get_by_role("link", name="the plans")).to_have_attribute(
        "href", "https://example.org/plans"
    )
    expect(story).to_contain_text("<script>window.storyRan = true</script>")
    expect(story).to_contain_text("[click](javascript:window.storyRan=true)")
    assert page.evaluate("window.storyRan === undefined")

    # The proof: one plain sentence first, the programmers' details folded until asked for.
    box = page.locator("section.verify")
    expect(box).to_contain_text("Anyone can check on their own computer, without trusting")
    details = box.locator("details.proof")
    expect(details.get_by_text("It exits 0 only when")).to_be_hidden()
    details.locator("summary").click()
    expect(details.get_by_text("It exits 0 only when")).to_be_visible()
    expect(details.locator("table.leaves td.hash").first).to_have_text(re.compile("^[0-9a-f]{64}$"))

    # The three files arrive under the names the command uses.
    for name in ("export.jsonl", "checkpoint.txt", "ledger.vkey"):
        with page.expect_download() as download:
            box.get_by_role("link", name=name, exact=True).click()
        assert download.value.suggested_filename == name
        download.value.save_as(tmp_path / name)

    # The one install line works without a checkout, then the box's command verifies.
    install = box.locator("pre code").filter(has_text="pipx install").inner_text()
    wheel_url = install.removeprefix("pipx install ").strip()
    fundtrail = _install_verifier(wheel_url, tmp_path / "venv")
    command = box.locator("pre code").filter(has_text="fundtrail verify").first.inner_text()
    verify = [str(fundtrail), *shlex.split(command)[1:]]
    checked = subprocess.run(verify, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.rstrip().endswith("verified"), checked.stdout
    _tamper(tmp_path / "export.jsonl")
    tampered = subprocess.run(verify, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert "NOT verified" in tampered.stdout

    # The report page: the same plain sentence and folded details, once the report is out.
    report = f"/campaigns/{campaign_id}/report"

    def report_published() -> bool:
        page.goto(report)
        return page.locator("details.proof").count() > 0

    eventually(report_published, timeout=90)
    expect(page.locator("p.proof-lede")).to_contain_text("without trusting Fundtrail")
    expect(page.get_by_text("Root hash (SHA-256, hex)")).to_be_hidden()
    page.locator("details.proof summary").click()
    expect(page.get_by_text("Root hash (SHA-256, hex)")).to_be_visible()

    # Every page of the walk on a phone and a laptop, the proof's details open.
    campaign = f"/campaigns/{campaign_id}"
    problems: list[str] = []
    for where in (home, campaign, report):
        page.set_viewport_size(PHONE)
        page.goto(where)
        for fold in page.locator("details.proof").all():
            fold.locator("summary").click()
        found = layout_problems(page) + accessibility_violations(page, axe_source)
        problems += [f"{where} on a phone: {problem}" for problem in found]
        page.set_viewport_size(DESKTOP)
        problems += [f"{where} on a laptop: {problem}" for problem in layout_problems(page)]
    assert problems == [], "\n".join(problems)
    assert visitor.console_errors == [], visitor.console_errors


def _funded_campaign(live: LiveFundtrail, title: str) -> str:
    """A flexible campaign with a Markdown story and one €25 pledge, settled as funded, with
    its money in the ledger (over Kafka)."""
    pledges_app = live.system.apps["pledges"]
    _, creator = create_account(pledges_app, "creator", "Maker")
    _, backer = create_account(pledges_app, "backer", "Bea")
    api = live.service_urls["pledges"]
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = campaign_body(
        title=title, description=STORY, funding_model="flexible", deadline=deadline
    )
    made = requests.post(f"{api}/api/v1/campaigns", json=body, headers=bearer(creator), timeout=10)
    assert made.status_code == 201, made.text
    campaign_id = str(made.json()["id"])
    launched = requests.post(
        f"{api}/api/v1/campaigns/{campaign_id}/launch", headers=bearer(creator), timeout=10
    )
    assert launched.status_code == 200, launched.text
    pledged = requests.post(
        f"{api}/api/v1/campaigns/{campaign_id}/pledges",
        json={"amount": 2_500},
        headers={**bearer(backer), "Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )
    assert pledged.status_code == 201, pledged.text
    live.pass_deadlines(timedelta(days=2))
    ledger = live.service_urls["ledger"]

    def signed() -> str | None:
        """The checkpoint once it holds an entry: what the failure shows is what was last seen
        (None is no checkpoint yet)."""
        found = requests.get(f"{ledger}/api/v1/campaigns/{campaign_id}/checkpoint", timeout=10)
        if found.status_code != 200:
            return None
        return found.text if found.text.splitlines()[1] != "0" else None

    # Kafka, the ledger's worker and its signer, on a machine shared with other tests: as long
    # as the report's wait below, rather than the usual 45 s.
    eventually(signed, timeout=90)
    return campaign_id


def _install_verifier(url: str, venv: Path) -> Path:
    """`pip install URL` into a new, empty virtual environment: the wheel itself from the
    ledger's address, its few libraries (which would come from PyPI) from this test run's
    environment, as the network is not at hand. Its `fundtrail` command."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", url],
        check=True,
        timeout=120,
    )
    # The libraries only: a .pth line adds the folder, never runs its own .pth files, so the
    # project's editable install (a finder registered by one) stays out of this environment.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    found = subprocess.run(
        [str(python), "-c", "import services; print(services.__file__)"],
        cwd=venv,  # `-c` puts the working folder first on the path: not the checkout
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert found.startswith(purelib), found  # the wheel's modules, not the checkout's
    return venv / "bin" / "fundtrail"


def _tamper(export: Path) -> None:
    """One cent more on the first entry: still canonical JSON, no longer what was signed."""
    lines = export.read_bytes().splitlines()
    first = json.loads(lines[0])
    first["amount"] += 1
    lines[0] = json.dumps(first, separators=(",", ":"), sort_keys=True).encode()
    export.write_bytes(b"\n".join(lines) + b"\n")
