"""A creator signs up, finds the verification mail the updates service wrote to its Maildir,
follows the link, and launches a campaign: pledges → Kafka → updates → mail → pledges."""

from __future__ import annotations

import mailbox
import re
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import Fundtrail, eventually
from tests.factories import bearer, campaign_body

pytestmark = pytest.mark.kafka

PASSWORD = "my campaign, my rules, my passphrase"


def mail_to(maildir: Path, address: str) -> EmailMessage | None:
    if not (maildir / "new").exists():
        return None
    box = mailbox.Maildir(maildir, create=False)
    for key in box.iterkeys():
        message = message_from_bytes(box.get_bytes(key), policy=policy.default)
        if message["To"] == address:
            return message  # type: ignore[return-value]
    return None


def topic_values(kafka: str, topic: str) -> list[bytes]:
    """Every message value on `topic` so far, read with no consumer group."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=kafka.split(","), enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        values: list[bytes] = []
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            for records in consumer.poll(timeout_ms=1000).values():
                values.extend(record.value for record in records)
        return values
    finally:
        consumer.close()


def test_a_creator_signs_up_verifies_from_the_mailbox_and_launches(
    fundtrail: Fundtrail, tmp_path: Path
) -> None:
    pledges = fundtrail.client("pledges")
    # Unique per run: every e2e run shares one broker, and this run's updates service also
    # hears (and mails) the sign-ups of earlier runs.
    address = f"maker-{uuid.uuid4().hex[:8]}@example.test"
    signed_up = pledges.post(
        "/api/v1/signup",
        json={"name": "Maker", "email": address, "password": PASSWORD, "role": "creator"},
    )
    assert signed_up.status_code == 201, signed_up.json
    session = pledges.post("/api/v1/sessions", json={"email": address, "password": PASSWORD})
    assert session.status_code == 201, session.json
    headers = bearer(session.json["token"])
    campaign = pledges.post("/api/v1/campaigns", json=campaign_body(), headers=headers).json
    refused = pledges.post(f"/api/v1/campaigns/{campaign['id']}/launch", headers=headers)
    assert refused.status_code == 403

    message = eventually(lambda: mail_to(tmp_path / "mail", address))

    assert message["Subject"] == "Confirm your e-mail address for Fundtrail"
    content = message.get_content()
    assert PASSWORD not in content
    link = re.search(r"http://127\.0\.0\.1:8000/verify\?token=\S+", content)
    assert link is not None, content
    token = parse_qs(urlsplit(link.group(0)).query)["token"][0]
    # The token went over Kafka only sealed: the message that carried it holds it nowhere.
    account_id = session.json["account_id"].encode()
    carried = [
        raw
        for raw in topic_values(fundtrail.kafka, "accounts.events")
        if account_id in raw and b"account.verification_requested" in raw
    ]
    assert carried and all(token.encode() not in raw for raw in carried)
    verified = pledges.post("/api/v1/email-verifications", json={"token": token})
    assert verified.status_code == 200, verified.json
    launched = pledges.post(f"/api/v1/campaigns/{campaign['id']}/launch", headers=headers)
    assert launched.status_code == 200 and launched.json["status"] == "live"
