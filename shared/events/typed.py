"""Events as consumers see them: one frozen, typed dataclass per event type, and upcasting.

A consumer decodes the wire envelope (validated against the payload schema of its type and
version), then `to_event` turns it into the dataclass of the type's current version, upcasting
older payloads one version at a time. Handlers get these, never raw payload dicts.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Self, TypeVar

from shared.events.envelope import Envelope, InvalidEvent

E = TypeVar("E", bound="Event")
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

_EVENTS: dict[str, type[Event]] = {}
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


@dataclass(frozen=True, kw_only=True)
class Event:
    """What every event carries from its envelope."""

    #: The dotted type and the payload version this class reads; set by `@event_type`.
    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    #: Unique per event: what consumers record to handle each one once.
    event_id: uuid.UUID
    #: When the thing happened (UTC).
    occurred_at: datetime

    @classmethod
    def from_payload(
        cls, payload: Mapping[str, Any], *, event_id: uuid.UUID, occurred_at: datetime
    ) -> Self:
        """The event from a payload its schema loaded; fields the class does not name are left."""
        names = _field_names(cls)
        known = {name: value for name, value in payload.items() if name in names}
        return cls(event_id=event_id, occurred_at=occurred_at, **known)


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _field_names(cls: type) -> frozenset[str]:
    # Once per class: walking the fields on every event was a fifth of a consumer's decoding.
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(field.name for field in dataclasses.fields(cls))
    return names


def event_type(name: str, version: int = 1) -> Callable[[type[E]], type[E]]:
    """Class decorator: `cls` is the current version of event type `name`."""

    def register(cls: type[E]) -> type[E]:
        if name in _EVENTS:
            raise RuntimeError(f"two event classes for {name}")
        cls.TYPE, cls.VERSION = name, version
        _EVENTS[name] = cls
        return cls

    return register


def upcaster(name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Function decorator: turns a payload of `name` at `from_version` into the next version's."""

    def register(function: Upcaster) -> Upcaster:
        _UPCASTERS[(name, from_version)] = function
        return function

    return register


def event_class(name: str) -> type[Event] | None:
    return _EVENTS.get(name)


def to_event(envelope: Envelope) -> Event:
    """The typed event of a decoded envelope, upcast to the version its class reads."""
    cls = _EVENTS.get(envelope.type)
    if cls is None:
        raise InvalidEvent(f"no event class for {envelope.type!r}")
    payload, version = dict(envelope.payload), envelope.version
    while version < cls.VERSION:
        upcast = _UPCASTERS.get((envelope.type, version))
        if upcast is None:
            raise InvalidEvent(f"no upcaster for {envelope.type} v{version}")
        payload, version = upcast(payload), version + 1
    if version != cls.VERSION:
        raise InvalidEvent(f"{envelope.type} v{version} is newer than this consumer reads")
    return cls.from_payload(payload, event_id=envelope.event_id, occurred_at=envelope.occurred_at)
