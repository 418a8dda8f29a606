"""The compiled decoder accepts and refuses exactly what marshmallow's `decode` does.

Valid examples of every registered type and version are built from the schemas themselves, then
broken one field at a time (missing, null, wrong types, bools for ints, floats for money, huge
numbers, naive times, odd UUID forms) and at the envelope. For each input: if the compiled path
alone accepts, `decode` accepts the same envelope; valid events do take the compiled path; and
`fast_decode` gives `decode`'s envelope or its very error message (what the DLQ header carries).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.events import InvalidEvent, decode, payload_schema, registered_types, to_event
from shared.events.compiled import compiled_decode, fast_decode
from shared.events.envelope import EnvelopeSchema

_STRING_CANDIDATES = [
    "EUR",
    "backer@example.org",
    "https://example.org/a",
    "0" * 64,
    "card_declined",
    "some text",
    "2027-03",
    base64.b64encode(bytes(32)).decode(),
]


def _example(field: ma.fields.Field) -> Any:
    """A JSON value that `field` loads."""
    if isinstance(field, ma.fields.Nested):
        return _payload(field.schema)
    if isinstance(field, ma.fields.List):
        return [_example(field.inner)]
    if isinstance(field, ma.fields.UUID):
        return str(uuid.uuid4())
    if isinstance(field, ma.fields.AwareDateTime):
        return "2026-03-01T12:30:00.250000+07:00"
    if isinstance(field, ma.fields.Boolean):
        return False
    if isinstance(field, ma.fields.Integer):
        return 100
    if isinstance(field, ma.fields.String):
        choices = [v.choices for v in field.validators if isinstance(v, ma.validate.OneOf)]
        candidates = [*choices[0]] if choices else _STRING_CANDIDATES
    else:  # the project's own fields (base64 bytes)
        candidates = [base64.b64encode(b"\xff\xd8 a jpeg").decode()]
    for candidate in candidates:
        try:
            field.deserialize(candidate)
        except ma.ValidationError:
            continue
        return candidate
    raise AssertionError(f"no example for {field}")


def _payload(schema: ma.Schema) -> dict[str, Any]:
    return {name: _example(field) for name, field in schema.load_fields.items()}


def _envelope(name: str, version: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": name,
        "version": version,
        "occurred_at": "2026-03-01T05:30:00Z",
        "campaign_id": str(uuid.uuid4()),
        "producer": "pledges",
        "payload": payload,
    }


def _raw(document: Any) -> bytes:
    return json.dumps(document).encode()


#: Taken once: other test modules register types of their own while the session runs.
TYPES = registered_types()
VALID = [
    _envelope(name, version, _payload(payload_schema(name, version))) for name, version in TYPES
]

#: What a field's value is replaced with; includes what marshmallow accepts and msgspec does not.
BAD_VALUES: list[Any] = [
    None,
    True,
    1,
    1.0,
    1.5,
    -1,
    10**30,
    "",
    "yes",
    "1",
    "x" * 200,
    [],
    {},
    "2026-03-01T12:30:00",
    "2026-03-01 12:30:00Z",
    "20260301T123000+0100",
    "{12345678-1234-5678-1234-567812345678}",
    "12345678123456781234567812345678",
    "urn:uuid:12345678-1234-5678-1234-567812345678",
    "eur",
    "not base64!",
]
_MISSING = object()


def _same_field(name: str, field: ma.fields.Field) -> tuple[Any, ...]:
    """Fields that load alike (a campaign's title in seven event types) are broken only once."""
    inner = getattr(field, "inner", None)
    return (name, repr(field), repr(inner), getattr(field, "schema", None).__class__)


def _inputs() -> Iterator[bytes | None]:
    yield None
    yield b""
    yield b"not json"
    yield b"[]"
    yield b'"text"'
    yield b"\xff\xfe{"
    seen: set[tuple[Any, ...]] = set()
    for index, document in enumerate(VALID):
        payload = document["payload"]
        fields = payload_schema(document["type"], document["version"]).load_fields
        yield _raw(document)
        yield _raw({**document, "extra": {"nested": [1, 2]}})
        yield _raw({**document, "payload": {**payload, "unknown": 1.5}})
        yield _raw(document).replace(b"}", b', "nan": NaN}', 1)
        yield _raw({**document, "version": document["version"] + 5})
        yield _raw({**document, "type": "pledge.unheard_of"})
        for key in document if index == 0 else ():  # the envelope is the same for every type
            yield _raw({k: v for k, v in document.items() if k != key})
            for value in BAD_VALUES:
                yield _raw({**document, key: value})
        for key, original in payload.items():
            if _same_field(key, fields[key]) in seen:
                continue
            seen.add(_same_field(key, fields[key]))
            yield _raw({**document, "payload": {k: v for k, v in payload.items() if k != key}})
            for value in BAD_VALUES:
                yield _raw({**document, "payload": {**payload, key: value}})
            if isinstance(original, list) and original and isinstance(original[0], dict):
                for inner in original[0]:
                    for value in (None, True, 1.5, "x", _MISSING):
                        item = {k: v for k, v in original[0].items() if k != inner}
                        if value is not _MISSING:
                            item[inner] = value
                        yield _raw({**document, "payload": {**payload, key: [item]}})


def _outcome(decoder: Any, raw: bytes | None) -> Any:
    try:
        return decoder(raw)
    except InvalidEvent as exc:
        return ("refused", str(exc))


def _check(raw: bytes | None) -> bool:
    """Asserts that both decoders agree on `raw`; True if the compiled path took it."""
    expected = _outcome(decode, raw)
    compiled = compiled_decode(raw)
    if compiled is not None:
        assert compiled == expected, raw
        assert compiled.payload == expected.payload
        assert to_event(compiled) == to_event(expected)
    assert _outcome(fast_decode, raw) == expected, raw
    return compiled is not None


def test_every_valid_example_takes_the_compiled_path_to_the_same_typed_event() -> None:
    assert len(VALID) == len(TYPES) >= 34
    for document in VALID:
        raw = _raw(document)
        # Other test modules' made-up types may use fields left to marshmallow (a lax Integer).
        assert _check(raw) or document["type"].startswith("test."), document["type"]
        envelope = fast_decode(raw)
        assert envelope.occurred_at == datetime(2026, 3, 1, 5, 30, tzinfo=UTC)
        assert envelope.occurred_at.tzinfo is UTC


def test_both_decoders_accept_and_refuse_the_same_broken_inputs() -> None:
    taken = refused = 0
    for raw in _inputs():
        if _check(raw):
            taken += 1
        refused += isinstance(_outcome(decode, raw), tuple)
    # The table really breaks things, and most valid variants still go the fast way.
    assert refused > 500
    assert taken > len(VALID) * 3


def test_floats_and_bools_for_money_are_refused_by_both_with_the_same_error() -> None:
    document = next(d for d in VALID if d["type"] == "pledge.collected")
    for amount in (100.0, 100.5, True):
        raw = _raw({**document, "payload": {**document["payload"], "amount": amount}})
        assert compiled_decode(raw) is None
        with pytest.raises(InvalidEvent, match="amount") as compiled_error:
            fast_decode(raw)
        with pytest.raises(InvalidEvent) as marshmallow_error:
            decode(raw)
        assert str(compiled_error.value) == str(marshmallow_error.value)


def test_the_compiled_envelope_has_the_schemas_fields() -> None:
    from shared.events.compiled import _Envelope

    assert set(_Envelope.__struct_fields__) == set(EnvelopeSchema().fields)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.data())
def test_any_json_in_any_field_gets_the_same_verdict(document: dict[str, Any], data: Any) -> None:
    payload = dict(document["payload"])
    key = data.draw(st.sampled_from(sorted(payload)))
    payload[key] = data.draw(_json | st.just(payload[key]))
    _check(_raw({**document, "payload": payload}))
