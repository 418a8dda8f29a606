"""An account's language travels from pledges to the updates service over Kafka and decides
the language of its mail: signed up in Indonesian, switched to English on `/me`."""

from __future__ import annotations

import mailbox
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.e2e.conftest import Fundtrail, eventually
from tests.factories import bearer

pytestmark = pytest.mark.kafka

PASSWORD = "bahasa kita, kata sandi kita"


def mails_to(maildir: Path, address: str) -> list[EmailMessage]:
    if not (maildir / "new").exists():
        return []
    box = mailbox.Maildir(maildir, create=False)
    raw = (box.get_bytes(key) for key in box.iterkeys())
    found = [message_from_bytes(data, policy=policy.default) for data in raw]
    return [m for m in found if m["To"] == address]  # type: ignore[misc]


def test_mail_follows_the_language_an_account_chose_and_changed(
    fundtrail: Fundtrail, tmp_path: Path
) -> None:
    pledges = fundtrail.client("pledges")
    address = f"siti-{uuid.uuid4().hex[:8]}@example.test"
    signed_up = pledges.post(
        "/api/v1/signup",
        json={
            "name": "Siti",
            "email": address,
            "password": PASSWORD,
            "role": "backer",
            "language": "id",
        },
    )
    assert signed_up.status_code == 201, signed_up.json
    (first,) = eventually(lambda: mails_to(tmp_path / "mail", address))
    assert first["Subject"] == "Konfirmasi alamat email Anda untuk Fundtrail"
    assert "Tautan ini hanya bisa dipakai sekali" in first.get_content()

    session = pledges.post("/api/v1/sessions", json={"email": address, "password": PASSWORD})
    headers = bearer(session.json["token"])
    changed = pledges.patch("/api/v1/me", json={"language": "en"}, headers=headers)
    assert changed.status_code == 200 and changed.json["language"] == "en"
    # The change is an event on accounts.events, and the next link is mailed after it.
    again = pledges.post("/api/v1/me/email-verification", headers=headers)
    assert again.status_code == 202, again.json

    both = eventually(lambda: [m for m in [mails_to(tmp_path / "mail", address)] if len(m) == 2])
    (second,) = [m for m in both[0] if m["Message-ID"] != first["Message-ID"]]
    assert second["Subject"] == "Confirm your e-mail address for Fundtrail"
    assert "The link works once" in second.get_content()
