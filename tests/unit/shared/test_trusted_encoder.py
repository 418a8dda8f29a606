"""The trusted encoder writes exactly `encode`'s bytes (marshmallow's dump, then validation).

For every registered type and version: an example payload loaded by its own schema (so it holds
UUIDs, datetimes and nested dicts as a service's code would), once whole and once with its
optional fields left out; the wire bytes of `trusted_envelope` must equal those `encode` makes of
the same envelope.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.events import encode, payload_schema, registered_types
from shared.events.compiled import trusted_envelope
from tests.unit.shared.test_compiled_decoder import _payload


@pytest.mark.parametrize(("event_type", "version"), registered_types())
@pytest.mark.parametrize("whole", [True, False], ids=["whole", "required-only"])
def test_trusted_bytes_equal_marshmallows(event_type: str, version: int, whole: bool) -> None:
    schema = payload_schema(event_type, version)
    payload = schema.load(_payload(schema))
    if not whole:
        payload = {k: v for k, v in payload.items() if schema.fields[k].required}
    occurred_at = datetime(2026, 3, 1, 12, 30, 0, 250_000, tzinfo=timezone(timedelta(hours=7)))
    envelope = trusted_envelope(
        event_type,
        payload,
        producer="ledger",
        campaign_id=uuid.uuid4(),
        occurred_at=occurred_at,
        version=version,
    )
    assert envelope.wire is not None
    assert envelope.occurred_at == occurred_at and envelope.occurred_at.tzinfo is UTC
    # `encode` of the same envelope without its wire bytes: marshmallow's dump and validation.
    assert envelope.wire == encode(dataclasses.replace(envelope, wire=None))
    assert json.loads(envelope.wire)["payload"]  # the payload was written, not dropped
