"""The event envelope of CONTRACT.md and the registry of payload schemas.

Producers validate before sending (`encode`); consumers validate on receipt (`decode`). Payload
schemas are tolerant readers: a consumer ignores fields it does not know, so a producer may add
an optional field without a new version.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma


class Payload(ma.Schema):
    """Base of every payload schema: tolerant of fields it does not know, nested ones included."""

    class Meta:
        unknown = ma.EXCLUDE


_SCHEMAS: dict[tuple[str, int], type[ma.Schema]] = {}


class InvalidEvent(ValueError):
    """Bytes that are not a valid Fundtrail event: bad JSON, unknown type, or a schema error."""

    def __init__(self, message: str, errors: Any = None) -> None:
        super().__init__(message if errors is None else f"{message}: {errors}")
        self.errors = errors


def event_schema(event_type: str, version: int = 1) -> Callable[[type[ma.Schema]], type[ma.Schema]]:
    """Class decorator: `cls` is the payload schema of `event_type` at `version`."""

    def register(cls: type[ma.Schema]) -> type[ma.Schema]:
        key = (event_type, version)
        if key in _SCHEMAS:
            raise RuntimeError(f"two schemas for {event_type} v{version}")
        _SCHEMAS[key] = cls
        return cls

    return register


@functools.cache
def payload_schema(event_type: str, version: int = 1) -> ma.Schema:
    """The schema of one type and version; built once, as a schema holds no per-call state."""
    try:
        return _SCHEMAS[(event_type, version)]()
    except KeyError:
        raise InvalidEvent(f"unknown event type {event_type!r} version {version}") from None


def registered_types() -> list[tuple[str, int]]:
    return sorted(_SCHEMAS)


@dataclass(frozen=True)
class Envelope:
    """One event as it travels: who sent what, about which campaign, and when."""

    #: Unique per event; consumers use it to process each event once.
    event_id: uuid.UUID
    #: Dotted name such as `campaign.created`.
    type: str
    #: Version of the payload schema.
    version: int
    #: When the thing happened (UTC).
    occurred_at: datetime
    #: The campaign the event is about; the Kafka key. None on `accounts.events`.
    campaign_id: uuid.UUID | None
    #: The service that published it.
    producer: str
    #: The type's payload, as loaded by its schema (UUIDs and datetimes, not strings).
    payload: dict[str, Any] = field(default_factory=dict)
    #: The validated wire bytes, kept by `new_envelope` so that publishing does not encode twice.
    wire: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """The Kafka key: the campaign id, or the account id for account events."""
        if self.campaign_id is not None:
            return str(self.campaign_id)
        return str(self.payload["account_id"])


class EnvelopeSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    event_id = ma.fields.UUID(required=True)
    type = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    version = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    occurred_at = ma.fields.AwareDateTime(required=True)
    campaign_id = ma.fields.UUID(required=True, allow_none=True)
    producer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=50))
    payload = ma.fields.Dict(keys=ma.fields.String(), required=True)


_envelope_schema = EnvelopeSchema()


def new_envelope(
    event_type: str,
    payload: dict[str, Any],
    *,
    producer: str,
    campaign_id: uuid.UUID | None,
    occurred_at: datetime | None = None,
    version: int = 1,
) -> Envelope:
    """A fresh envelope with a new event id; validates the payload now, not at send time."""
    envelope = Envelope(
        event_id=uuid.uuid4(),
        type=event_type,
        version=version,
        occurred_at=(occurred_at or datetime.now(UTC)).astimezone(UTC),
        campaign_id=campaign_id,
        producer=producer,
        payload=payload,
    )
    # Encoding validates: an invalid event is refused where it is made, with the producer's stack.
    return dataclasses.replace(envelope, wire=encode(envelope))


def to_wire(envelope: Envelope) -> dict[str, Any]:
    """The envelope as a JSON-ready dict, with its payload validated against its schema."""
    schema = payload_schema(envelope.type, envelope.version)
    try:
        payload = schema.dump(envelope.payload)
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidEvent(f"{envelope.type} payload cannot be serialised: {exc}") from None
    errors = schema.validate(payload)
    if errors:
        raise InvalidEvent(f"{envelope.type} payload does not match its schema", errors)
    return {
        "event_id": str(envelope.event_id),
        "type": envelope.type,
        "version": envelope.version,
        "occurred_at": envelope.occurred_at.astimezone(UTC).isoformat(),
        "campaign_id": None if envelope.campaign_id is None else str(envelope.campaign_id),
        "producer": envelope.producer,
        "payload": payload,
    }


def encode(envelope: Envelope) -> bytes:
    if envelope.wire is not None:
        return envelope.wire
    return json.dumps(to_wire(envelope), separators=(",", ":"), sort_keys=True).encode()


def decode(raw: bytes | None) -> Envelope:
    """Parse and validate one message value; raises InvalidEvent for anything not an event."""
    if raw is None:
        raise InvalidEvent("empty message")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEvent(f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidEvent("an event must be a JSON object")
    try:
        fields = _envelope_schema.load(document)
        payload = payload_schema(fields["type"], fields["version"]).load(fields["payload"])
    except ma.ValidationError as exc:
        raise InvalidEvent("schema error", exc.messages) from None
    fields["occurred_at"] = fields["occurred_at"].astimezone(UTC)
    return Envelope(**{**fields, "payload": payload})
