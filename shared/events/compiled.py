"""A compiled decoder for consumers: the same envelopes as `decode`, at a fraction of its cost.

marshmallow stays the schema of record (producers, OpenAPI, `decode`); this module derives a
msgspec type from each registered payload schema, so there is nothing to keep in step by hand.
msgspec parses and type-checks in C; what it cannot say exactly (datetimes as `fromisoformat`
reads them, custom fields, validators other than ranges and lengths) runs in Python with
marshmallow's own code.

The compiled types are built to accept a subset of what marshmallow accepts, with equal
results. Whatever they refuse is handed to `decode`, which gives the verdict and the error
message: so both accept and refuse exactly the same inputs, poison messages reach the DLQ with
the same error as before, and only valid events (nearly all) take the fast path. A schema
field of a kind this module does not know leaves its event type to `decode` altogether.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, NotRequired, TypedDict

import marshmallow as ma
import msgspec

from shared.events.envelope import _SCHEMAS, Envelope, EnvelopeSchema, decode, new_envelope

#: Turns one decoded value into what marshmallow's field would load; raises to refuse it.
Fixer = Callable[[Any], Any]


class _Unsupported(Exception):
    """A field this module cannot compile: its type is left to marshmallow."""


class _Refused(Exception):
    """The compiled path refuses; `decode` decides (and words the error)."""


def _aware_datetime(value: str) -> datetime:
    # The same parse as marshmallow's AwareDateTime (`fromisoformat`), and the same refusal.
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None or parsed.tzinfo.utcoffset(parsed) is None:
        raise _Refused("naive datetime")
    return parsed


def _checked(validators: list[Callable[[Any], Any]]) -> Fixer:
    def check(value: Any) -> Any:
        for validate in validators:
            if validate(value) is False:  # marshmallow's rule for plain-function validators
                raise _Refused("validator")
        return value

    return check


def _compose(first: Fixer | None, then: Fixer | None) -> Fixer | None:
    if first is None or then is None:
        return first or then
    return lambda value: then(first(value))


def _field(field: ma.fields.Field, where: str) -> tuple[Any, Fixer | None]:
    """The msgspec type of one field, and the Python step that completes it (or None)."""
    meta: dict[str, Any] = {}
    rest: list[Callable[[Any], Any]] = []
    kind = type(field)
    annotation: Any
    fixer: Fixer | None = None
    # `kind is` as well as isinstance: a subclass may load differently, so it is not compiled.
    if isinstance(field, ma.fields.Integer) and kind is ma.fields.Integer and field.strict:
        # msgspec's int refuses bools and floats, as strict=True does; ranges compile exactly.
        annotation = int
        for validator in field.validators:
            if (
                type(validator) is ma.validate.Range
                and validator.min_inclusive
                and validator.max_inclusive
            ):
                if validator.min is not None:
                    meta["ge"] = validator.min
                if validator.max is not None:
                    meta["le"] = validator.max
            else:
                rest.append(validator)
    elif kind in (ma.fields.String, ma.fields.Email, ma.fields.Url):
        annotation = str
        for validator in field.validators:
            if type(validator) is ma.validate.Length and validator.equal is None:
                if validator.min is not None:
                    meta["min_length"] = validator.min
                if validator.max is not None:
                    meta["max_length"] = validator.max
            else:
                rest.append(validator)
    elif kind is ma.fields.UUID:
        # msgspec reads the hyphenated and the bare hex form, both of which uuid.UUID reads too.
        annotation, rest = uuid.UUID, list(field.validators)
    elif kind is ma.fields.Boolean:
        # Only JSON true/false; marshmallow's "yes", 1 and the like are left to `decode`.
        annotation, rest = bool, list(field.validators)
    elif (
        isinstance(field, ma.fields.AwareDateTime)
        and kind is ma.fields.AwareDateTime
        and field.format in (None, "iso", "iso8601")
    ):
        if field.default_timezone is not None:
            raise _Unsupported(f"{where}: default_timezone")
        annotation, fixer, rest = str, _aware_datetime, list(field.validators)
    elif isinstance(field, ma.fields.List) and kind is ma.fields.List:
        inner, inner_fixer = _field(field.inner, f"{where}[]")
        annotation = list[inner]  # type: ignore[valid-type]
        if inner_fixer is not None:
            item_fixer = inner_fixer
            fixer = lambda items: [item_fixer(item) for item in items]  # noqa: E731
        rest = list(field.validators)
    elif isinstance(field, ma.fields.Nested) and kind is ma.fields.Nested and not field.many:
        annotation, fixer = _payload_type(type(field.schema), where)  # type: ignore[arg-type]
        rest = list(field.validators)
    elif isinstance(field, ma.fields.Field) and type(field).__module__ != ma.fields.__name__:
        # A project's own field (Base64Bytes): its own code loads the JSON value.
        annotation = Any
        custom = field

        def fixer(value: Any) -> Any:
            try:
                return custom.deserialize(value)
            except ma.ValidationError:
                raise _Refused("custom field") from None

        rest = []
    else:
        raise _Unsupported(f"{where}: {kind.__name__}")
    if meta:
        annotation = Annotated[annotation, msgspec.Meta(**meta)]
    fixer = _compose(fixer, _checked(rest) if rest else None)
    if field.allow_none:
        annotation = annotation | None
        if fixer is not None:
            not_none = fixer
            fixer = lambda value: None if value is None else not_none(value)  # noqa: E731
    return annotation, fixer


@functools.cache
def _payload_type(schema_class: type[ma.Schema], where: str) -> tuple[Any, Fixer | None]:
    """A TypedDict for one schema (unknown keys are dropped, as EXCLUDE does) and its fixer."""
    schema = schema_class()
    if schema.unknown != ma.EXCLUDE or schema.many or any(schema._hooks.values()):
        raise _Unsupported(f"{where}: unknown={schema.unknown}, hooks or many")
    required: dict[str, Any] = {}
    optional: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    fixers: dict[str, Fixer] = {}
    for name, field in schema.load_fields.items():
        if field.data_key not in (None, name):
            raise _Unsupported(f"{where}.{name}: data_key")
        annotation, fixer = _field(field, f"{where}.{name}")
        if field.required:
            required[name] = annotation
        else:
            optional[name] = NotRequired[annotation]
            if field.load_default is not ma.missing:
                defaults[name] = field.load_default
        if fixer is not None:
            fixers[name] = fixer
    typed_dict = TypedDict(  # type: ignore[misc]
        f"Compiled_{schema_class.__name__}", {**required, **optional}
    )

    if not defaults and not fixers:
        return typed_dict, None

    def fix(payload: dict[str, Any]) -> dict[str, Any]:
        for name, fixer in fixers.items():
            if name in payload:
                payload[name] = fixer(payload[name])
        # After the fixers: marshmallow takes a load_default as it is, without loading it.
        for name, default in defaults.items():
            if name not in payload:
                payload[name] = default() if callable(default) else default
        return payload

    return typed_dict, fix


class _Envelope(msgspec.Struct, forbid_unknown_fields=False):
    # The envelope schema's fields; test_compiled_decoder checks they have not moved on.
    event_id: uuid.UUID
    type: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    version: Annotated[int, msgspec.Meta(ge=1)]
    occurred_at: str
    campaign_id: uuid.UUID | None
    producer: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    payload: msgspec.Raw


_ENVELOPE_FIELDS = set(EnvelopeSchema().fields)
_envelope_decoder = msgspec.json.Decoder(_Envelope)


@functools.cache
def _payload_decoder(
    event_type: str, version: int
) -> tuple[msgspec.json.Decoder[Any], Fixer | None] | None:
    """The compiled decoder of one type and version, or None to leave it to `decode`."""
    schema_class = _SCHEMAS.get((event_type, version))
    if schema_class is None:
        return None
    try:
        typed_dict, fixer = _payload_type(schema_class, f"{event_type} v{version}")
    except _Unsupported:
        return None
    return msgspec.json.Decoder(typed_dict), fixer


def fast_decode(raw: bytes | None) -> Envelope:
    """The envelope `decode(raw)` returns, or the InvalidEvent it raises; compiled when it can."""
    # A refusal is rare (poison messages): marshmallow decides, and words the DLQ's error.
    return compiled_decode(raw) or decode(raw)


def compiled_decode(raw: bytes | None) -> Envelope | None:
    """The envelope from the compiled path alone, or None where it leaves `raw` to `decode`."""
    if raw is None:
        return None
    try:
        envelope = _envelope_decoder.decode(raw)
        compiled = _payload_decoder(envelope.type, envelope.version)
        if compiled is None:
            return None
        payload_decoder, fixer = compiled
        payload = payload_decoder.decode(envelope.payload)
        if fixer is not None:
            payload = fixer(payload)
        occurred_at = _aware_datetime(envelope.occurred_at).astimezone(UTC)
    except (
        msgspec.ValidationError,
        msgspec.DecodeError,
        ma.ValidationError,
        _Refused,
        ValueError,
        TypeError,
    ):
        return None
    return Envelope(
        event_id=envelope.event_id,
        type=envelope.type,
        version=envelope.version,
        occurred_at=occurred_at,
        campaign_id=envelope.campaign_id,
        producer=envelope.producer,
        payload=payload,
    )


# --- encoding what a service built itself ------------------------------------------------------

#: One payload field's dump: (wire key, the name in the payload, the field's own `_serialize`,
#: its dump default or `missing`).
_DumpField = tuple[str, str, Callable[..., Any], Any]


@functools.cache
def _payload_dumper(event_type: str, version: int) -> tuple[_DumpField, ...] | None:
    """The dump of one type's payload as `Schema.dump` does it, field by field, without the
    schema's machinery; None where a schema has hooks (left to `encode`)."""
    schema_class = _SCHEMAS.get((event_type, version))
    if schema_class is None:
        return None
    schema = schema_class()
    if schema.many or any(schema._hooks.values()):
        return None
    return tuple(
        (field.data_key or name, name, field._serialize, field.dump_default)
        for name, field in schema.dump_fields.items()
    )


def trusted_envelope(
    event_type: str,
    payload: dict[str, Any],
    *,
    producer: str,
    campaign_id: uuid.UUID | None,
    occurred_at: datetime,
    version: int = 1,
) -> Envelope:
    """`new_envelope` for an event the service built from its own typed, already checked
    domain event (a journal's `ledger.entry_appended`): the same wire bytes, without
    validating the payload against its schema again, which cost ~200 µs an event.

    Each value goes through its schema field's own `_serialize` (marshmallow's dump, less its
    per-call set-up), and the envelope is written with `encode`'s JSON settings, so the bytes
    are `encode`'s: tests/unit/shared/test_trusted_encoder.py checks it for every event type.
    A payload that would not validate is published as it is: use `new_envelope` for anything
    built from outside input."""
    dumper = _payload_dumper(event_type, version)
    if dumper is None:
        return new_envelope(
            event_type,
            payload,
            producer=producer,
            campaign_id=campaign_id,
            occurred_at=occurred_at,
            version=version,
        )
    wire_payload: dict[str, Any] = {}
    for key, name, serialize, default in dumper:
        value = payload.get(name, ma.missing)
        if value is ma.missing:
            value = default() if callable(default) else default
            if value is ma.missing:
                continue
        wire_payload[key] = serialize(value, name, payload)
    event_id, occurred_at = uuid.uuid4(), occurred_at.astimezone(UTC)
    wire = {
        "event_id": str(event_id),
        "type": event_type,
        "version": version,
        "occurred_at": occurred_at.isoformat(),
        "campaign_id": None if campaign_id is None else str(campaign_id),
        "producer": producer,
        "payload": wire_payload,
    }
    return Envelope(
        event_id=event_id,
        type=event_type,
        version=version,
        occurred_at=occurred_at,
        campaign_id=campaign_id,
        producer=producer,
        payload=payload,
        wire=json.dumps(wire, separators=(",", ":"), sort_keys=True).encode(),
    )
