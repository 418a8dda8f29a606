"""Account mail: `account.verification_requested` becomes one message with the site's link, to
the address `account.created` gave; the link's secret is blanked once sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from services.updates.mail.account_mail import AccountMailSender
from shared.events import Envelope, new_envelope
from shared.sealing import LazyLinkSealer
from tests.integration.updates.mail_support import deliver, mail_app, new_account
from tests.integration.updates.test_updates_mail_transports import read_maildir

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC1zZWNyZXQ"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    app = mail_app(database_url, tmp_path, site_url="http://site.test:8000/")
    yield app
    app.extensions["fundtrail"].engine.dispose()


def requested(
    app: flask.Flask, account_id: uuid.UUID, purpose: str = "verify_email", hours: int = 24
) -> Envelope:
    """What the pledges service publishes: the link's token sealed with our public key."""
    token_id = uuid.uuid4()
    sealer = LazyLinkSealer("", app.extensions["fundtrail"].settings.link_public_key_path)
    return new_envelope(
        "account.verification_requested",
        {
            "account_id": account_id,
            "purpose": purpose,
            "token_id": token_id,
            "expires_at": datetime.now(UTC) + timedelta(hours=hours),
            "sealed_link_token": sealer.seal(SECRET, token_id.bytes),
        },
        producer="pledges",
        campaign_id=None,
        version=2,
    )


def send(app: flask.Flask) -> int:
    root = app.extensions["fundtrail"]
    return AccountMailSender(
        root.engine,
        root.mailer,
        root.updates_settings,
        root.clock,
        root.link_opener,
        root.unsubscribe_tokens,
    ).run_round()


def stored(app: flask.Flask) -> list[dict[str, object]]:
    root = app.extensions["fundtrail"]
    with root.engine.connect() as connection:
        return [
            dict(r) for r in connection.execute(sa.select(root.tables["account_mail"])).mappings()
        ]


def test_a_verification_request_is_mailed_once_with_the_sites_link(
    app: flask.Flask, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    account_id = new_account(app, "ada@example.test")
    event = requested(app, account_id)
    assert deliver(app, event, "accounts.events").status == "handled"
    assert deliver(app, event, "accounts.events").status != "failed"  # redelivered
    # Queued, the token is still sealed: the mail queue holds no usable link.
    (queued,) = stored(app)
    assert queued["link_token"] and SECRET not in repr(queued)

    assert send(app) == 1
    assert send(app) == 0

    (message,) = read_maildir(tmp_path / "mail")
    assert message["To"] == "ada@example.test"
    assert message["Subject"] == "Confirm your e-mail address for Fundtrail"
    assert f"http://site.test:8000/verify?token={SECRET}" in message.get_content()
    (row,) = stored(app)
    assert row["status"] == "sent" and row["link_token"] == ""
    assert SECRET not in capfd.readouterr().out


def test_a_reset_request_links_to_the_reset_page(app: flask.Flask, tmp_path: Path) -> None:
    account_id = new_account(app, "grace@example.test")
    deliver(app, requested(app, account_id, "reset_password", hours=1), "accounts.events")
    assert send(app) == 1
    (message,) = read_maildir(tmp_path / "mail")
    assert message["Subject"] == "Reset your Fundtrail password"
    assert f"http://site.test:8000/reset-password?token={SECRET}" in message.get_content()


def test_an_account_without_an_address_gets_nothing_and_the_secret_is_dropped(
    app: flask.Flask, tmp_path: Path
) -> None:
    deliver(app, requested(app, uuid.uuid4()), "accounts.events")
    assert send(app) == 0
    (row,) = stored(app)
    assert row["status"] == "dropped" and row["link_token"] == ""
    assert not (tmp_path / "mail" / "new").exists() or not read_maildir(tmp_path / "mail")


def notice(account_id: uuid.UUID, kind: str) -> Envelope:
    return new_envelope(
        "account.notice_requested",
        {"account_id": account_id, "kind": kind},
        producer="pledges",
        campaign_id=None,
    )


@pytest.mark.parametrize(
    ("kind", "subject", "says"),
    [
        (
            "sign_up_attempted",
            "Someone tried to sign up to Fundtrail with your address",
            "already has an account",
        ),
        (
            "sign_in_failures",
            "Someone is trying to sign in to your Fundtrail account",
            "wrong passwords",
        ),
    ],
)
def test_a_notice_tells_the_owner_once_and_points_to_a_new_password(
    app: flask.Flask, tmp_path: Path, kind: str, subject: str, says: str
) -> None:
    account_id = new_account(app, "owner@example.test")
    event = notice(account_id, kind)
    assert deliver(app, event, "accounts.events").status == "handled"
    deliver(app, event, "accounts.events")  # redelivered: still one message

    assert send(app) == 1
    (message,) = read_maildir(tmp_path / "mail")
    assert message["To"] == "owner@example.test"
    assert message["Subject"] == subject
    text = message.get_content()
    assert says in text
    assert "http://site.test:8000/forgot-password" in text
    assert "token=" not in text
    (row,) = stored(app)
    assert row["status"] == "sent" and row["purpose"] == kind


def test_a_clear_token_of_a_version_1_event_is_sealed_before_it_is_stored(
    app: flask.Flask, tmp_path: Path
) -> None:
    account_id = new_account(app, "early@example.test")
    published_before_sealing = new_envelope(
        "account.verification_requested",
        {
            "account_id": account_id,
            "purpose": "verify_email",
            "token_id": uuid.uuid4(),
            "expires_at": datetime.now(UTC) + timedelta(hours=24),
            "link_token": SECRET,
        },
        producer="pledges",
        campaign_id=None,
    )
    assert deliver(app, published_before_sealing, "accounts.events").status == "handled"
    (queued,) = stored(app)
    assert SECRET not in repr(queued)

    assert send(app) == 1
    (message,) = read_maildir(tmp_path / "mail")
    assert f"http://site.test:8000/verify?token={SECRET}" in message.get_content()


def test_a_token_sealed_for_another_key_is_given_up_without_a_mail(
    app: flask.Flask, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from shared.sealing import LinkSealer

    account_id = new_account(app, "stranger@example.test")
    token_id = uuid.uuid4()
    forged = new_envelope(
        "account.verification_requested",
        {
            "account_id": account_id,
            "purpose": "verify_email",
            "token_id": token_id,
            "expires_at": datetime.now(UTC) + timedelta(hours=24),
            "sealed_link_token": LinkSealer(X25519PrivateKey.generate().public_key()).seal(
                SECRET, token_id.bytes
            ),
        },
        producer="pledges",
        campaign_id=None,
        version=2,
    )
    deliver(app, forged, "accounts.events")
    assert send(app) == 0
    (row,) = stored(app)
    assert row["status"] == "failed" and row["link_token"] == ""
    assert not (tmp_path / "mail" / "new").exists() or not read_maildir(tmp_path / "mail")
