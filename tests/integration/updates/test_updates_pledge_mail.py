"""Pledge and question mail through the real updates consumer and sender: the backer's own
pledge made / changed / refunded (transactional: no unsubscribe), the creator's new-pledge
notices (gathered per hour) and question notices (each stopped by its own one-click link), and
the notice that follows a retracted update to the readers it was mailed to; each event once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import flask
import pytest

from services.updates.words import words
from shared.events import Envelope, new_envelope
from tests.factories import set_clock
from tests.integration.ledger.ledger_support import campaign_event
from tests.integration.updates.mail_support import (
    Clock,
    count,
    deliver,
    mail_app,
    new_account,
    sender,
    unsubscribe_path,
)
from tests.integration.updates.test_updates_account_mail import send, stored
from tests.integration.updates.test_updates_comments import comment
from tests.integration.updates.test_updates_mail_test_mode import LINE
from tests.integration.updates.test_updates_mail_transports import read_maildir
from tests.integration.updates.updates_support import World, published

SITE = "http://site.test:8000"
EARLY_BIRD = uuid.uuid4()


@pytest.fixture
def mail(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    app = mail_app(database_url, tmp_path, site_url=SITE)
    yield app
    app.extensions["fundtrail"].engine.dispose()


@pytest.fixture
def clock(mail: flask.Flask) -> Clock:
    """Five past an hour, today: the hour's gathering of new pledges is predictable."""
    now = Clock(datetime.now(UTC).replace(minute=5, second=0, microsecond=0))
    set_clock(mail, now)
    return now


@pytest.fixture
def world(mail: flask.Flask, tmp_path: Path, clock: Clock) -> World:
    """A live campaign (test mode) whose creator and backer have proven addresses."""
    creator_id = new_account(mail, "cleo@example.test", "creator")
    backer_id = new_account(mail, "ada@example.test")
    world = World(mail, tmp_path, creator_id=creator_id, backer_id=backer_id)
    launched = campaign_event("campaign.launched", world.campaign_id, creator_id)
    assert deliver(mail, launched).status == "handled"
    return world


def pledge_news(
    event_type: str,
    world: World,
    clock: Clock,
    *,
    backer_id: uuid.UUID | None = None,
    **payload: Any,
) -> Envelope:
    """A pledge event as the pledges service publishes it now."""
    return new_envelope(
        event_type,
        {
            "campaign_id": world.campaign_id,
            "pledge_id": payload.pop("pledge_id", uuid.uuid4()),
            "backer_id": backer_id or world.backer_id,
            "currency": "EUR",
            "tier_id": None,
            **payload,
        },
        producer="pledges",
        campaign_id=world.campaign_id,
        occurred_at=clock.now,
    )


def inbox(tmp_path: Path, address: str) -> list[EmailMessage]:
    return [m for m in read_maildir(tmp_path / "mail") if m["To"] == address]


def text_of(message: EmailMessage) -> str:
    return message.get_content()


def test_the_backer_is_told_of_their_pledge_made_changed_and_refunded(
    mail: flask.Flask, world: World, clock: Clock, tmp_path: Path
) -> None:
    pledge_id = uuid.uuid4()
    made = pledge_news(
        "pledge.created",
        world,
        clock,
        pledge_id=pledge_id,
        amount=4_500,
        tier_id=EARLY_BIRD,
        tier_name="Early bird",
    )
    assert deliver(mail, made).status == "handled"
    assert deliver(mail, made).status == "duplicate"  # redelivered: one mail
    changed = pledge_news(
        "pledge.changed",
        world,
        clock,
        pledge_id=pledge_id,
        amount=2_000,
        previous_amount=4_500,
        previous_tier_id=EARLY_BIRD,
        tier_name=None,
        previous_tier_name="Early bird",
    )
    assert deliver(mail, changed).status == "handled"
    refunded = pledge_news(
        "pledge.refunded",
        world,
        clock,
        pledge_id=pledge_id,
        amount=1_000,
        collected_amount=4_500,
        refunded_total=1_000,
        reason="The poster run was smaller\nthan planned.",
        payment_reference="record-only:1",
    )
    assert deliver(mail, refunded).status == "handled"
    assert send(mail) == 4  # three to the backer, one to the creator

    mine = {m["Subject"]: m for m in inbox(tmp_path, "ada@example.test")}
    assert set(mine) == {
        "Your pledge to Board game",
        "Your pledge to Board game was changed",
        "€10.00 of your pledge to Board game was refunded",
    }
    for message in mine.values():
        # Transactional: never a list the backer could (or must) leave.
        assert message["List-Unsubscribe"] is None and message["List-Id"] is None
        assert text_of(message).startswith(LINE + "\n\n")  # the campaign is in test mode
    campaign_page = f"\n{SITE}/campaigns/{world.campaign_id}\n"
    receipt = text_of(mine["Your pledge to Board game"])
    assert "Thank you! Your pledge of €45.00, tier “Early bird” to Board game is recorded." in (
        receipt
    )
    assert campaign_page in receipt
    change = text_of(mine["Your pledge to Board game was changed"])
    assert (
        "Your pledge to Board game is now €20.00. It replaces your earlier pledge of €45.00, "
        "tier “Early bird”: only the new one counts." in change
    )
    refund = text_of(mine["€10.00 of your pledge to Board game was refunded"])
    assert "€10.00 of €45.00 was refunded of your pledge to Board game." in refund
    assert "> The poster run was smaller\n> than planned." in refund
    assert "1000" not in refund and "4500" not in refund  # amounts for people, not minor units


def test_a_whole_refund_and_a_second_partial_one_say_so(
    mail: flask.Flask, world: World, clock: Clock, tmp_path: Path
) -> None:
    for amount, total in ((1_500, 3_000), (4_500, 4_500)):
        event = pledge_news(
            "pledge.refunded",
            world,
            clock,
            amount=amount,
            collected_amount=4_500,
            refunded_total=total,
            reason="Sold out",
            payment_reference="record-only:2",
        )
        assert deliver(mail, event).status == "handled"
    assert send(mail) == 2
    texts = sorted(text_of(m) for m in inbox(tmp_path, "ada@example.test"))
    assert any(
        "€15.00 of €45.00 was refunded of your pledge to Board game. "
        "In all, €30.00 of €45.00 has been refunded." in text
        for text in texts
    )
    assert any("Your whole pledge of €45.00 to Board game was refunded." in t for t in texts)


@pytest.mark.both_databases
def test_new_pledges_reach_the_creator_at_once_then_gathered_until_the_hour_ends(
    mail: flask.Flask, world: World, clock: Clock, tmp_path: Path
) -> None:
    first = pledge_news("pledge.created", world, clock, amount=4_500, tier_name="Early bird")
    assert deliver(mail, first).status == "handled"
    assert send(mail) == 2  # the backer's receipt and the creator's news, at once
    (news,) = inbox(tmp_path, "cleo@example.test")
    assert news["Subject"] == "New pledge to Board game: €45.00"
    assert "A backer pledged €45.00, tier “Early bird” to Board game." in text_of(news)
    assert f"{SITE}/console/campaigns/{world.campaign_id}" in text_of(news)
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # A busy hour: five more pledges, each told once (one redelivered), none mailed yet.
    for minutes in range(5):
        clock.advance(minutes=5)
        backer = new_account(mail, None)
        event = pledge_news("pledge.created", world, clock, backer_id=backer, amount=1_000)
        assert deliver(mail, event).status == "handled"
        if minutes == 0:
            assert deliver(mail, event).status == "duplicate"
    assert send(mail) == 0
    assert len(inbox(tmp_path, "cleo@example.test")) == 1
    assert count(mail, "pledge_notices") == 6

    clock.now = clock.now.replace(minute=0) + timedelta(hours=1)  # the hour is over
    assert send(mail) == 1
    subjects = sorted(str(m["Subject"]) for m in inbox(tmp_path, "cleo@example.test"))
    assert subjects == ["5 new pledges to Board game", "New pledge to Board game: €45.00"]
    digest = next(
        m for m in inbox(tmp_path, "cleo@example.test") if m["Subject"].startswith("5 new")
    )
    text = text_of(digest)
    assert "5 backers pledged to Board game since our last mail about new pledges:" in text
    assert text.count("- €10.00 (") == 5
    assert "the first new pledge of each hour at once" in text  # why they were gathered


def test_the_creator_stops_new_pledge_mail_with_one_click_and_keeps_questions(
    mail: flask.Flask, world: World, clock: Clock, tmp_path: Path
) -> None:
    assert deliver(mail, pledge_news("pledge.created", world, clock, amount=4_500)).status == (
        "handled"
    )
    send(mail)
    (news,) = inbox(tmp_path, "cleo@example.test")
    path = unsubscribe_path(news)
    assert path in text_of(news)
    assert "Stop e-mails about new pledges to this campaign:" in text_of(news)

    client = mail.test_client()
    page = client.get(path)  # a link scanner: a button, nothing changed
    assert "Stop e-mails about new pledges to <strong>Board game</strong>?" in page.get_data(
        as_text=True
    )
    assert count(mail, "mail_list_unsubscriptions") == 0
    answer = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    said = answer.get_data(as_text=True)
    assert "You will get no more e-mails about new pledges to <strong>Board game</strong>." in said
    assert "Mail about questions from your backers still comes." in said
    assert count(mail, "mail_list_unsubscriptions") == 1
    assert count(mail, "mail_unsubscriptions") == 0  # update mail goes on

    clock.advance(hours=2)
    other = new_account(mail, "bob@example.test")
    assert deliver(
        mail, pledge_news("pledge.created", world, clock, backer_id=other, amount=2_000)
    ).status == ("handled")
    # A question from the backer: that kind of mail still comes.
    update_id = world.post().json["id"]
    assert comment(world, update_id, "backer", "When do the boxes ship?").status_code == 201
    for event in published(mail, "comment.posted"):
        assert deliver(mail, event, "updates.events").status == "handled"
    assert send(mail) == 2  # Bob's receipt and the question; no news of his pledge
    subjects = sorted(str(m["Subject"]) for m in inbox(tmp_path, "cleo@example.test"))
    assert subjects == [
        "New pledge to Board game: €45.00",
        "New question on “Printing news” (Board game)",
    ]
    assert [r["last_error"] for r in stored(mail) if r["purpose"] == "new_pledges"][-1] == (
        "unsubscribed"
    )
    question = next(m for m in inbox(tmp_path, "cleo@example.test") if "question" in m["Subject"])
    text = text_of(question)
    assert "> When do the boxes ship?" in text
    assert f"{SITE}/campaigns/{world.campaign_id}/updates/{update_id}" in text
    assert question["List-Unsubscribe"] != news["List-Unsubscribe"]  # each kind its own link


def test_the_creators_own_answers_mail_nobody(
    mail: flask.Flask, world: World, clock: Clock, tmp_path: Path
) -> None:
    assert deliver(mail, pledge_news("pledge.created", world, clock, amount=4_500)).status == (
        "handled"
    )
    update_id = world.post().json["id"]
    question = comment(world, update_id, "backer", "Colours?").json["id"]
    comment(world, update_id, "creator", "Blue.", in_reply_to=question)
    for event in published(mail, "comment.posted"):
        assert deliver(mail, event, "updates.events").status == "handled"
        assert deliver(mail, event, "updates.events").status == "duplicate"
    send(mail)
    questions = [m for m in read_maildir(tmp_path / "mail") if "question" in str(m["Subject"])]
    assert [m["To"] for m in questions] == ["cleo@example.test"]


def test_a_retracted_update_is_followed_by_a_notice_to_those_it_was_mailed_to(
    mail: flask.Flask, world: World, clock: Clock, tmp_path: Path
) -> None:
    readers = {"ada@example.test": world.backer_id}
    for address in ("bob@example.test", "eve@example.test"):
        readers[address] = new_account(mail, address)
    for backer_id in readers.values():
        event = pledge_news("pledge.created", world, clock, backer_id=backer_id, amount=1_000)
        assert deliver(mail, event).status == "handled"
    update_id = world.post(title="Boxes ship Monday").json["id"]
    (announced,) = [
        e for e in published(mail, "update.published") if str(e.payload["update_id"]) == update_id
    ]
    assert deliver(mail, announced, "updates.events").status == "handled"
    sender(mail, clock).send_batch()
    # Eve stops this campaign's update mail: its retraction notices stop too.
    (to_eve,) = [
        m for m in inbox(tmp_path, "eve@example.test") if m["Subject"].endswith("Boxes ship Monday")
    ]
    mail.test_client().post(unsubscribe_path(to_eve), data="List-Unsubscribe=One-Click")
    late = new_account(mail, "late@example.test")  # backed after the update was mailed
    event = pledge_news("pledge.created", world, clock, backer_id=late, amount=1_000)
    assert deliver(mail, event).status == "handled"

    answer = mail.test_client().post(
        f"/api/v1/updates/{update_id}/retract",
        json={"reason": "The carrier postponed: not before May."},
        headers=world.headers("creator"),
    )
    assert answer.status_code == 200, answer.json
    (retracted,) = published(mail, "update.retracted")
    assert deliver(mail, retracted, "updates.events").status == "handled"
    assert deliver(mail, retracted, "updates.events").status == "duplicate"
    send(mail)

    notices = [
        m for m in read_maildir(tmp_path / "mail") if str(m["Subject"]).startswith("Retracted")
    ]
    assert sorted(m["To"] for m in notices) == ["ada@example.test", "bob@example.test"]
    notice = notices[0]
    assert notice["Subject"] == "Retracted: “Boxes ship Monday” (Board game)"
    text = text_of(notice)
    assert "retracted the update “Boxes ship Monday” that we e-mailed you" in text
    assert "> The carrier postponed: not before May." in text
    assert f"{SITE}/campaigns/{world.campaign_id}/updates/{update_id}" in text
    assert notice["List-Unsubscribe"].startswith("<") and "Stop e-mails about updates" in text


def test_mail_is_written_in_the_recipients_language(
    mail: flask.Flask, world: World, clock: Clock, tmp_path: Path
) -> None:
    siti = new_account(mail, "siti@example.test", language="id")
    event = pledge_news(
        "pledge.refunded",
        world,
        clock,
        backer_id=siti,
        amount=1_000,
        collected_amount=4_500,
        refunded_total=1_000,
        reason="Stok habis",
        payment_reference="record-only:3",
    )
    assert deliver(mail, event).status == "handled"
    assert send(mail) == 1
    (message,) = inbox(tmp_path, "siti@example.test")
    text = text_of(message)
    assert text.startswith("Mode uji coba: ")
    money = words("id").money
    assert message["Subject"] == f"{money(1_000, 'EUR')} dari dukungan Anda untuk Board game " + (
        "dikembalikan"
    )
    assert f"{money(1_000, 'EUR')} dari {money(4_500, 'EUR')} dukungan Anda" in text
    assert "> Stok habis" in text and "refunded" not in text


def test_an_event_from_before_tier_names_still_mails(
    mail: flask.Flask, world: World, clock: Clock, tmp_path: Path
) -> None:
    old = pledge_news("pledge.created", world, clock, amount=4_500, tier_id=EARLY_BIRD)
    assert "tier_name" not in old.payload or old.payload["tier_name"] is None
    assert deliver(mail, old).status == "handled"
    send(mail)
    (receipt,) = inbox(tmp_path, "ada@example.test")
    assert "Your pledge of €45.00 to Board game is recorded." in text_of(receipt)


def test_an_indonesian_creator_reads_the_notice_and_its_unsubscribe_page_in_indonesian(
    mail: flask.Flask, tmp_path: Path, clock: Clock
) -> None:
    creator_id = new_account(mail, "sari@example.test", "creator", language="id")
    world = World(mail, tmp_path, creator_id=creator_id, backer_id=uuid.uuid4())
    launched = campaign_event("campaign.launched", world.campaign_id, creator_id)
    assert deliver(mail, launched).status == "handled"
    event = pledge_news("pledge.created", world, clock, amount=4_500, tier_name="Awal")
    assert deliver(mail, event).status == "handled"
    assert send(mail) == 1
    (news,) = inbox(tmp_path, "sari@example.test")
    money = words("id").money(4_500, "EUR")
    assert news["Subject"] == f"Dukungan baru untuk Board game: {money}"
    assert "Berhenti menerima email tentang dukungan baru untuk kampanye ini:" in text_of(news)
    page = mail.test_client().get(unsubscribe_path(news)).get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Berhenti menerima email tentang dukungan baru untuk <strong>Board game</strong>?" in (
        page
    )
    assert "Berhenti berlangganan</button>" in page
