"""Issue 9's "Done when", end to end over the real broker: a campaign launched in the pledges
service, goal reached, the creator's public and backers-only updates e-mailed over SMTP (a real
aiosmtpd server) with working one-click unsubscribe, the Atom feed, revisions, a hidden comment,
then settlement and the ledger's report announced as automatic updates."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient

from infra.kafka.client import find_free_port
from services.registry import NAMES
from tests.e2e.conftest import Fundtrail, eventually
from tests.factories import (
    bearer,
    campaign_body,
    create_account,
    make_app,
    service_settings,
    set_clock,
)

pytestmark = pytest.mark.kafka

API = "/api/v1"


class Inbox:
    """An aiosmtpd handler keeping every message that arrives, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def subjects(self, address: str) -> list[str]:
        """What `address` got, but the launch: whether the backers were on the roster when the
        worker heard its announcement back (and queued its mail) is a race, by design."""
        subjects = (str(m["Subject"]) for m in self.to(address))
        return sorted(s for s in subjects if not s.endswith("] The campaign is live"))


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on localhost, in a thread of this process."""
    handler, port = Inbox(), find_free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def system(
    request: pytest.FixtureRequest,
    database_kind: str,
    tmp_path: Path,
    kafka_bootstrap: str,
    inbox: tuple[Inbox, int],
) -> Iterator[Fundtrail]:
    """The three services and their workers, the updates service mailing through `inbox`."""
    if database_kind == "sqlite":
        urls = {name: f"sqlite:///{tmp_path / name}.db" for name in NAMES}
    else:
        make = request.getfixturevalue("postgres_database_factory")
        urls = {name: make() for name in NAMES}
    group = f"e2e-{uuid.uuid4().hex[:8]}"
    extra: dict[str, dict[str, Any]] = {
        "updates": {
            "extra": {"smtp_url": f"smtp://127.0.0.1:{inbox[1]}", "mail_poll_interval": 0.2}
        }
    }
    common = {"kafka": kafka_bootstrap, "consumer_group_prefix": group}
    fundtrail = Fundtrail(
        apps={
            name: make_app(name, urls[name], tmp_path, **common, **extra.get(name, {}))
            for name in NAMES
        },
        settings={
            name: service_settings(name, urls[name], tmp_path, **common, **extra.get(name, {}))
            for name in NAMES
        },
        kafka=kafka_bootstrap,
    )
    for name in NAMES:
        fundtrail.start_worker(name)
    yield fundtrail
    fundtrail.close()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def new_account(pledges: FlaskClient, admin: str, role: str, name: str) -> tuple[str, str, str]:
    """An account made by an admin over HTTP, with an address: (id, token, address)."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.test"
    body = {"role": role, "name": name, "email": email}
    made = ok(pledges.post(f"{API}/accounts", json=body, headers=bearer(admin)), 201)
    return made["id"], made["token"], email


def listed(updates: FlaskClient, campaign: str, token: str | None = None) -> list[dict[str, Any]]:
    headers = bearer(token) if token else {}
    response = updates.get(f"{API}/campaigns/{campaign}/updates", headers=headers)
    return response.json["updates"] if response.status_code == 200 else []


def titled(updates: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    return [u for u in updates if u.get("title") == title]


def test_updates_end_to_end_with_mail_feed_and_the_money_trail(
    system: Fundtrail, inbox: tuple[Inbox, int]
) -> None:
    mail = inbox[0]
    pledges, updates = system.client("pledges"), system.client("updates")
    _, admin = create_account(system.apps["pledges"], "admin", name="Root")
    _, creator, _ = new_account(pledges, admin, "creator", "Cleo")
    _, ann, ann_mail = new_account(pledges, admin, "backer", "Ann")
    _, bob, bob_mail = new_account(pledges, admin, "backer", "Bob")
    _, stranger, stranger_mail = new_account(pledges, admin, "backer", "Cid")

    # A campaign created and launched in the pledges service; two backers reach its goal.
    body = campaign_body(goal_amount=10_000, funding_model="flexible", tiers=[])
    cid = ok(pledges.post(f"{API}/campaigns", json=body, headers=bearer(creator)), 201)["id"]
    ok(pledges.post(f"{API}/campaigns/{cid}/launch", headers=bearer(creator)))
    for token, amount in ((ann, 6_000), (bob, 4_000)):
        pledge = {"amount": amount}
        ok(pledges.post(f"{API}/campaigns/{cid}/pledges", json=pledge, headers=bearer(token)), 201)

    [goal] = eventually(lambda: titled(listed(updates, cid), "Goal reached"))
    assert goal["kind"] == "automatic"
    assert goal["body"] == (
        "Backers have pledged €100.00, reaching the goal of €100.00: 2 backers so far."
    )
    eventually(lambda: titled(listed(updates, cid), "The campaign is live"))

    # The creator posts a public and a backers-only update (the roster knows both backers).
    def post(title: str, visibility: str) -> str:
        update = {
            "title": title,
            "body": f"{title}: the *proofs* are in.",
            "visibility": visibility,
        }
        path = f"{API}/campaigns/{cid}/updates"
        return str(ok(updates.post(path, json=update, headers=bearer(creator)), 201)["id"])

    public_id, secret_id = post("Printing news", "public"), post("For backers", "backers")

    # Each backer gets the goal and both updates over SMTP (besides their own pledge's mail,
    # which no unsubscribe stops); the stranger gets nothing.
    title = body["title"]
    expected = sorted(
        [
            *(f"[{title}] {t}" for t in ("Goal reached", "Printing news", "For backers")),
            f"Your pledge to {title}",
        ]
    )
    for address in (ann_mail, bob_mail):
        eventually(lambda address=address: mail.subjects(address) == expected)
    assert mail.to(stranger_mail) == []
    [secret_mail] = [m for m in mail.to(bob_mail) if "For backers" in str(m["Subject"])]
    assert secret_mail.get_content_type() == "multipart/alternative"
    text = secret_mail.get_body(("plain",))
    assert text is not None and "For backers: the proofs are in." in text.get_content()
    assert secret_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Ann unsubscribes with one click: a POST to her List-Unsubscribe link, no login.
    [ann_goal] = [m for m in mail.to(ann_mail) if "Goal reached" in str(m["Subject"])]
    link = str(ann_goal["List-Unsubscribe"]).strip("<>")
    # As it arrived: a plain `<URL>`, not encoded words a mail client would not decode.
    assert dict(ann_goal.raw_items())["List-Unsubscribe"] == f"<{link}>"
    assert link.startswith("http://127.0.0.1:8003/unsubscribe/")
    one_click = "List-Unsubscribe=One-Click"
    unsubscribed = updates.post(link.removeprefix("http://127.0.0.1:8003"), data=one_click)
    assert unsubscribed.status_code == 200, unsubscribed.get_data(as_text=True)
    assert "You will get no more e-mails" in unsubscribed.get_data(as_text=True)

    # A non-backer sees the public update whole, the backers-only one only as a stub.
    seen = {u["id"]: u for u in listed(updates, cid, stranger)}
    assert seen[public_id]["body"] == "Printing news: the *proofs* are in."
    assert seen[secret_id] == {
        "id": secret_id,
        "visibility": "backers",
        "published_at": seen[secret_id]["published_at"],
    }
    assert titled(listed(updates, cid, ann), "For backers")  # a backer reads it

    # An edit keeps both revisions.
    edit = {"body": "Printing news: the proofs are in, and approved."}
    ok(updates.patch(f"{API}/updates/{public_id}", json=edit, headers=bearer(creator)))
    revisions = ok(updates.get(f"{API}/updates/{public_id}/revisions"))["revisions"]
    assert [r["body"] for r in revisions] == [
        "Printing news: the *proofs* are in.",
        "Printing news: the proofs are in, and approved.",
    ]

    # Q&A: a hidden comment stays in the thread without its text.
    thread_path = f"{API}/updates/{public_id}/comments"
    asked = ok(updates.post(thread_path, json={"body": "When?"}, headers=bearer(ann)), 201)
    rude = ok(updates.post(thread_path, json={"body": "Rubbish!"}, headers=bearer(bob)), 201)
    hide = {"reason": "Abuse"}
    path = f"{API}/comments/{rude['id']}/hide"
    ok(updates.post(path, json=hide, headers=bearer(creator)))
    thread = ok(updates.get(thread_path, headers=bearer(ann)))["comments"]
    assert [c["id"] for c in thread] == [asked["id"], rude["id"]]
    assert thread[0]["body"] == "When?"
    assert thread[1] == {
        "id": rude["id"],
        "hidden": True,
        "hidden_reason": "Abuse",
        "hidden_at": thread[1]["hidden_at"],
    }

    # Settling: the campaign's outcome with its totals, then the ledger's report with its link.
    set_clock(system.apps["pledges"], lambda: datetime.now(UTC) + timedelta(days=31))
    settled = ok(pledges.post(f"{API}/campaigns/{cid}/settle", headers=bearer(creator)))
    assert settled["status"] == "succeeded"
    [outcome] = eventually(lambda: titled(listed(updates, cid), "The campaign succeeded"))
    assert "€100.00 pledged by 2 backers against a goal of €100.00" in outcome["body"]
    [report] = eventually(
        lambda: titled(listed(updates, cid), "A spending report was published"), timeout=90
    )
    reports = ok(system.client("ledger").get(f"{API}/campaigns/{cid}/reports"))["reports"]
    [published] = reports
    assert f'href="{published["url"]}"' in report["body_html"]
    assert "€100.00 was raised" in report["body"]

    # The Atom feed parses and lists only the public updates, automatic ones included.
    feed = feedparser.parse(updates.get(f"/campaigns/{cid}/updates.atom").data)
    assert not feed.bozo, feed.bozo_exception
    assert sorted(entry.title for entry in feed.entries) == sorted(
        [
            "The campaign is live",
            "Goal reached",
            "Printing news",
            "The campaign succeeded",
            "A spending report was published",
        ]
    )

    # Mail after the unsubscription: Bob gets the settlement and the report; Ann nothing more.
    later = sorted(
        [
            *expected,
            f"[{title}] The campaign succeeded",
            f"[{title}] A spending report was published",
        ]
    )
    eventually(lambda: mail.subjects(bob_mail) == later)
    assert mail.subjects(ann_mail) == expected
    assert mail.to(stranger_mail) == []
    # However many pledge events followed (collections included), the goal was announced once.
    assert len(titled(listed(updates, cid), "Goal reached")) == 1
