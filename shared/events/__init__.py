"""Fundtrail's events on the wire: one envelope, and one marshmallow schema per type and version.

Importing this package registers every schema, so `encode` and `decode` know all types, and
every typed event class (`catalog.py`), so `to_event` does.
"""

from shared.events import (  # noqa: F401  (registers)
    accounts,
    campaigns,
    catalog,
    ledger,
    payments,
    pledges,
    updates,
)
from shared.events.envelope import (
    Envelope,
    InvalidEvent,
    decode,
    encode,
    new_envelope,
    payload_schema,
    registered_types,
)
from shared.events.typed import Event, to_event, upcaster

__all__ = [
    "Envelope",
    "Event",
    "InvalidEvent",
    "decode",
    "encode",
    "new_envelope",
    "payload_schema",
    "registered_types",
    "to_event",
    "upcaster",
]
