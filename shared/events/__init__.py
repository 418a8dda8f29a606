"""Fundtrail's events on the wire: one envelope, and one marshmallow schema per type and version.

Importing this package registers every schema, so `encode` and `decode` know all types.
"""

from shared.events import accounts, campaigns, ledger, pledges  # noqa: F401  (registers schemas)
from shared.events.envelope import (
    Envelope,
    InvalidEvent,
    decode,
    encode,
    new_envelope,
    payload_schema,
    registered_types,
)

__all__ = [
    "Envelope",
    "InvalidEvent",
    "decode",
    "encode",
    "new_envelope",
    "payload_schema",
    "registered_types",
]
