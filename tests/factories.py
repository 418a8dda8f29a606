"""Test data and apps: services built on real databases, accounts with real tokens."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import io
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import flask
import sqlalchemy as sa

from services.pledges.domain.payouts import PayoutAccountState
from services.registry import service_spec
from shared.auth import TokenIssuer, load_or_create_signing_key
from shared.consumer import EventConsumer, Outcome
from shared.migrations import upgrade
from shared.sealing import LinkOpener


def service_settings(
    service: str, database_url: str, var_dir: Path, kafka: str = "localhost:1", **extra: Any
) -> dict[str, Any]:
    """Settings overrides for one service in a test: its own database, a shared key folder."""
    if service != "pledges" and "token_public_key" not in extra:
        # The tests stand in for the pledges service: they hold the key pair in var_dir, and
        # the ledger and updates read only the public half it writes, as in production.
        keys = var_dir / "keys"
        load_or_create_signing_key(keys / "token-signing.key", keys / "token-signing.pub")
    if service == "pledges" and "link_public_key" not in extra:
        # Likewise for the updates service: the tests hold its link key pair, and pledges
        # reads only the public half, to seal mailed links with.
        link_opener(var_dir)
    return {
        "database_url": database_url,
        "var_dir": var_dir,
        "token_signing_key_file": var_dir / "keys" / "token-signing.key",
        "kafka_bootstrap_servers": kafka,
        # A group of its own per test, so no test consumes another's offsets.
        "consumer_group_prefix": f"test-{uuid.uuid4().hex[:8]}",
        **extra,
    }


def link_opener(var_dir: Path) -> LinkOpener:
    """The updates service's link key pair in `var_dir` (made if missing): opens what the
    pledges service sealed, as the updates service would."""
    keys = var_dir / "keys"
    return LinkOpener.from_key_file(keys / "link-sealing.key", keys / "link-sealing.pub")


def mailed_link_token(pledges_app: flask.Flask, event: Any) -> str:
    """The token of a link an `account.verification_requested` event (an Envelope) asks to
    mail, opened with the updates service's key, which the tests hold."""
    opener = link_opener(pledges_app.extensions["fundtrail"].settings.var_dir)
    return opener.open(str(event.payload["sealed_link_token"]), event.payload["token_id"].bytes)


def make_app(service: str, database_url: str, var_dir: Path, **settings: Any) -> flask.Flask:
    """A migrated service app on `database_url`."""
    import importlib

    migrate(service, database_url)
    create_app = importlib.import_module(f"services.{service}.app").create_app
    app: flask.Flask = create_app(
        {"TESTING": True, "SETTINGS": service_settings(service, database_url, var_dir, **settings)}
    )
    return app


#: Per test process, a SQLite database of each service migrated to head, copied for new ones.
_MIGRATED: dict[str, Path] = {}


def migrate(service: str, database_url: str) -> None:
    """`upgrade(service, database_url)`, but a new SQLite database is a copy of one migrated
    once in this process: alembic takes half a second and more a service, and most tests make
    two or three apps. The copy is the same schema, data and alembic revision, page for page.
    An existing file (a test of migrations) and PostgreSQL are upgraded as they are."""
    url = sa.make_url(database_url)
    target = url.database if url.get_backend_name() == "sqlite" else None
    if not target or target == ":memory:" or Path(target).exists():
        upgrade(service, database_url)
        return
    template = _MIGRATED.get(service)
    if template is None:
        folder = tempfile.mkdtemp(prefix=f"fundtrail-test-migrated-{service}-")
        atexit.register(shutil.rmtree, folder, True)
        template = Path(folder) / f"{service}.db"
        upgrade(service, f"sqlite:///{template}")
        _MIGRATED[service] = template
    with (
        contextlib.closing(sqlite3.connect(template)) as source,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)


def issue_token(var_dir: Path, role: str, account_id: uuid.UUID | None = None) -> str:
    """A token signed with the test key, as the pledges service would issue it."""
    key = load_or_create_signing_key(var_dir / "keys" / "token-signing.key")
    return TokenIssuer(key).issue(account_id or uuid.uuid4(), role)


def create_account(
    pledges_app: flask.Flask, role: str, name: str = "Test"
) -> tuple[uuid.UUID, str]:
    """A real account in the pledges service (outbox row included); returns (id, token)."""
    from services.pledges import commands, handlers

    dependencies = pledges_app.extensions["fundtrail"]
    new = handlers.create_account(
        commands.CreateAccount(role=role, name=name),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    return new.account.id, new.token


def set_clock(app: flask.Flask, clock: Callable[[], datetime]) -> None:
    """Swap the clock in the app's composition root; the next request reads the new one."""
    app.extensions["fundtrail"] = dataclasses.replace(app.extensions["fundtrail"], clock=clock)


class DeadLetters:
    """Stands in for the dead-letter producer: keeps what would have been parked."""

    def __init__(self) -> None:
        self.parked: list[tuple[str, bytes]] = []

    def send(self, topic: str, key: Any = None, value: bytes = b"", headers: Any = None) -> Any:
        self.parked.append((topic, value))
        return SimpleNamespace(get=lambda timeout=None: None)


def consume(
    app: flask.Flask, value: bytes, topic: str, dead_letters: DeadLetters | None = None
) -> Outcome:
    """Hand one message to a service exactly as its worker's consumer would: decoded, typed,
    handled once by the handler its composition root wires, with its dependencies."""
    dependencies = app.extensions["fundtrail"]
    consumer = EventConsumer(
        None,  # type: ignore[arg-type]  (no Kafka: one record is handed in)
        dead_letters or DeadLetters(),  # type: ignore[arg-type]
        dependencies.uow_factory,
        dependencies.event_handlers(),
        max_attempts=1,
    )
    record = SimpleNamespace(value=value, topic=topic, partition=0, offset=0, key=None)
    return consumer.handle(record)  # type: ignore[arg-type]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def campaign_body(**overrides: Any) -> dict[str, Any]:
    """A valid `POST /campaigns` body; override any field."""
    body: dict[str, Any] = {
        "title": f"Campaign {uuid.uuid4().hex[:6]}",
        "description": "A board game about **trust**.",
        "goal_amount": 500_000,
        "currency": "EUR",
        "deadline": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "funding_model": "all_or_nothing",
        "tiers": [{"name": "A copy", "min_amount": 3_000, "limit": 100}],
        "budget": [{"category": "printing", "amount": 300_000}],
    }
    body.update(overrides)
    return body


def ready_payout_account(app: flask.Flask, creator_id: uuid.UUID) -> None:
    """Give a creator a payout account that takes charges: where money moves, only such a
    creator may launch (a stand-in for Stripe's onboarding and its `account.updated`)."""
    with app.extensions["fundtrail"].uow_factory() as uow:
        uow.payout_accounts.add_if_absent(
            PayoutAccountState(
                creator_id=creator_id,
                account_id=f"acct_{creator_id.hex[:16]}",
                details_submitted=True,
                charges_enabled=True,
                payouts_enabled=True,
                updated_at=datetime.now(UTC),
            )
        )
        uow.commit()


__all__ = [
    "bearer",
    "campaign_body",
    "create_account",
    "issue_token",
    "make_app",
    "phone_photo",
    "PHOTO_SECRETS",
    "ready_payout_account",
    "service_settings",
    "service_spec",
]


# --- pictures ------------------------------------------------------------------------------

PHOTO_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description exif:GPSLatitude="6,12.5S" xmlns:exif="http://ns.adobe.com'
    b'/exif/1.0/"/></rdf:RDF></x:xmpmeta>'
)


def phone_photo(width: int = 800, height: int = 600, orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: GPS position, orientation, XMP, a comment, trailing bytes."""
    from PIL import ExifTags, Image

    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height // 4))  # a blue band at the top left
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 12.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 49.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, xmp=PHOTO_XMP, comment=b"shot at home")
    return out.getvalue() + b"TRAILING-SECRET"


#: What a phone photo made by `phone_photo` hides, none of which may be published.
PHOTO_SECRETS = (b"Exif", b"PhoneCo", b"adobe:ns:meta", b"shot at home", b"TRAILING")
