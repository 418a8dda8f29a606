"""Helpers for the ledger's integration tests: an app fed events as its worker would, receipts."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import sqlalchemy as sa
from flask.testing import FlaskClient
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from shared.consumer import Outcome
from shared.events import Envelope, decode, encode, new_envelope
from tests.factories import DeadLetters, bearer, consume, issue_token

ORIGIN = "ledger.test"


@dataclass
class Ledger:
    """A migrated ledger app with its worker caught up after every request, and the ways a test
    talks to it."""

    app: flask.Flask
    var_dir: Path
    dead_letters: DeadLetters
    #: The last outbox row the stand-in worker has heard back.
    heard_up_to: int = 0
    #: Whether the stand-in worker catches up after every request and delivered event; a test
    #: of the worker's own timing turns it off and calls `catch_up` or `deliver` itself.
    auto_worker: bool = True

    @property
    def client(self) -> FlaskClient:
        ledger = self

        class ClientWithWorker(FlaskClient):
            def open(self, *args: Any, **kwargs: Any) -> Any:
                response = super().open(*args, **kwargs)
                if ledger.auto_worker:
                    ledger.catch_up()
                return response

        return ClientWithWorker(self.app, self.app.response_class, use_cookies=True)

    def catch_up(self) -> None:
        """Play the worker: hear back the ledger's own `ledger.entry_appended` events (so
        checkpoints get signed), as its consumer of `ledger.events` would."""
        outbox = self.app.extensions["fundtrail"].tables["outbox"]
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(outbox.c.id, outbox.c.topic, outbox.c.value)
                .where(outbox.c.id > self.heard_up_to)
                .order_by(outbox.c.id)
            ).all()
        for row_id, topic, value in rows:
            self.heard_up_to = row_id
            if topic == "ledger.events" and decode(value).type == "ledger.entry_appended":
                self._handle(value, topic)

    @property
    def engine(self) -> sa.Engine:
        engine: sa.Engine = self.app.extensions["fundtrail"].engine
        return engine

    def deliver(self, envelope: Envelope) -> Outcome:
        """Hand one event to the ledger exactly as its worker's consumer would."""
        outcome = self._handle(encode(envelope), "pledges.events")
        if self.auto_worker:
            self.catch_up()
        return outcome

    def _handle(self, value: bytes, topic: str) -> Outcome:
        return consume(self.app, value, topic, self.dead_letters)

    def open_campaign(
        self,
        currency: str = "EUR",
        budget: list[dict[str, Any]] | None = None,
        status: str = "live",
    ) -> tuple[uuid.UUID, uuid.UUID, str]:
        """A campaign the ledger heard of; returns (campaign id, creator id, creator token)."""
        campaign_id, creator_id = uuid.uuid4(), uuid.uuid4()
        envelope = campaign_event(
            "campaign.created",
            campaign_id,
            creator_id,
            currency=currency,
            budget=budget,
            status=status,
        )
        assert self.deliver(envelope).status == "handled"
        return campaign_id, creator_id, issue_token(self.var_dir, "creator", creator_id)

    def collect(
        self,
        campaign_id: uuid.UUID,
        amount: int,
        currency: str = "EUR",
        pledge_id: uuid.UUID | None = None,
    ) -> Envelope:
        envelope = pledge_event("pledge.collected", campaign_id, amount, currency, pledge_id)
        assert self.deliver(envelope).status == "handled"
        return envelope

    def token(self, role: str, account_id: uuid.UUID | None = None) -> str:
        return issue_token(self.var_dir, role, account_id)

    def counts(self) -> dict[str, int]:
        """Rows in every ledger table (outbox included), and receipt files on disk."""
        tables = self.app.extensions["fundtrail"].tables
        with self.engine.connect() as connection:
            counts = {
                name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in tables.items()
            }
        receipts = self.var_dir / "receipts"
        files = receipts.rglob("*") if receipts.exists() else iter(())
        counts["receipt files"] = sum(1 for path in files if path.is_file())
        return counts

    def outbox(self) -> list[tuple[str, Envelope]]:
        outbox = self.app.extensions["fundtrail"].tables["outbox"]
        with self.engine.connect() as connection:
            query = sa.select(outbox.c.topic, outbox.c.value).order_by(outbox.c.id)
            rows = connection.execute(query)
            return [(topic, decode(value)) for topic, value in rows]


def campaign_event(
    event_type: str,
    campaign_id: uuid.UUID,
    creator_id: uuid.UUID,
    *,
    currency: str = "EUR",
    budget: list[dict[str, Any]] | None = None,
    status: str = "live",
    occurred_at: datetime | None = None,
    **terms: Any,
) -> Envelope:
    """A campaign event of the pledges service's; `terms` override any field of its payload."""
    payload: dict[str, Any] = {
        "campaign_id": campaign_id,
        "creator_id": creator_id,
        "title": "Board game",
        "goal_amount": 100_000,
        "currency": currency,
        "deadline": datetime.now(UTC) + timedelta(days=30),
        "funding_model": "flexible",
        "status": status,
        "tiers": [],
        "budget": budget
        if budget is not None
        else [
            {"category": "printing", "amount": 30_000},
            {"category": "art", "amount": 10_000},
        ],
    }
    if event_type in ("campaign.created", "campaign.updated"):
        payload["description"] = "A board game about trust."
    if event_type in ("campaign.succeeded", "campaign.failed"):
        payload.update(pledged_amount=0, backers_count=0)
    if event_type == "campaign.cancelled":
        payload["released_count"] = 0
    payload.update(terms)
    return new_envelope(
        event_type, payload, producer="pledges", campaign_id=campaign_id, occurred_at=occurred_at
    )


def pledge_event(
    event_type: str,
    campaign_id: uuid.UUID,
    amount: int,
    currency: str = "EUR",
    pledge_id: uuid.UUID | None = None,
    **extra: Any,
) -> Envelope:
    payload: dict[str, Any] = {
        "campaign_id": campaign_id,
        "pledge_id": pledge_id or uuid.uuid4(),
        "backer_id": uuid.uuid4(),
        "amount": amount,
        "currency": currency,
        "tier_id": None,
    }
    if event_type in ("pledge.collected", "pledge.refunded"):
        payload["payment_reference"] = f"pay-{uuid.uuid4().hex[:8]}"
    payload.update(extra)
    return new_envelope(event_type, payload, producer="pledges", campaign_id=campaign_id)


# --- receipts ----------------------------------------------------------------------------------


def png_bytes(colour: str = "red", note: str | None = None) -> bytes:
    """A small PNG; a `note` (a tEXt chunk) makes it a file of its own."""
    info = PngImagePlugin.PngInfo()
    if note is not None:
        info.add_text("Comment", note)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def unique_png() -> bytes:
    """A PNG no other call returns: one receipt may back only one expense in force."""
    return png_bytes(note=str(uuid.uuid4()))


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buffer, "JPEG")
    return buffer.getvalue()


def png_bomb(side: int = 9000) -> bytes:
    """A real `side` × `side` 1-bit PNG of black pixels: about 11 kB for 9000, 81 MP decoded."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = bytes(1 + (side + 7) // 8)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    chunks = [(b"IHDR", ihdr), (b"IDAT", data), (b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        for kind, body in chunks
    )


def pdf_bytes(text: str = "Invoice 42") -> bytes:
    """A real one-page PDF (about 500 bytes plus `text`, which is its title)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


#: Pass as a field's value to leave that field out of the form.
MISSING: Any = object()


def expense_form(
    receipt: bytes | str | None = None, filename: str = "receipt.png", **fields: Any
) -> dict[str, Any]:
    """A valid multipart body for POST /expenses; override any field, or drop it with MISSING.

    `receipt` is the file's bytes (None: a small PNG of its own), or a str to send a plain
    form field.
    """
    upload: Any = receipt
    if receipt is None or isinstance(receipt, bytes):
        content = unique_png() if receipt is None else receipt
        upload = FileStorage(
            io.BytesIO(content), filename=filename, content_type="application/octet-stream"
        )
    form: dict[str, Any] = {
        "amount": "1500",
        "currency": "EUR",
        "category": "printing",
        "description": "Proof copies",
        "vendor": "PrintCo",
        "incurred_on": "2026-01-05",
        "receipt": upload,
    }
    form.update(fields)
    return {key: value for key, value in form.items() if value is not MISSING}


def post_expense(ledger: Ledger, campaign_id: uuid.UUID, token: str, **form: Any) -> Any:
    # Encoded in memory here: the test client would spool a big body to a temporary file
    # and leave it open when the server refuses the request unread.
    boundary, body = encode_multipart(expense_form(**form))
    return ledger.client.post(
        f"/api/v1/campaigns/{campaign_id}/expenses",
        data=body,
        headers={**bearer(token), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def payment_event(
    event_type: str,
    campaign_id: uuid.UUID,
    pledge_id: uuid.UUID,
    amount: int,
    currency: str = "EUR",
    **extra: Any,
) -> Envelope:
    """A `payment.*` event as the pledges service sends it from a provider's webhook; `extra`
    gives the type's own fields (`fee_kind`, `dispute_reference`, …)."""
    payload: dict[str, Any] = {
        "campaign_id": campaign_id,
        "pledge_id": pledge_id,
        "amount": amount,
        "currency": currency,
        "provider_event_id": f"evt_{uuid.uuid4().hex[:16]}",
        **extra,
    }
    return new_envelope(event_type, payload, producer="pledges", campaign_id=campaign_id)
