"""The wire form of what the ledger announces: envelopes for `ledger.events`."""

from __future__ import annotations

import base64

from services.ledger.adapters.checkpoints import PublishedCheckpoint
from services.ledger.domain import EntryAppended, merkle
from shared import topics
from shared.events import Envelope, new_envelope
from shared.events.compiled import trusted_envelope

PRODUCER = "ledger"
LEDGER_TOPIC = topics.LEDGER


def entry_appended(event: EntryAppended, leaf: tuple[bytes, bytes] | None = None) -> Envelope:
    """The journal's event on the wire: the entry's leaf data, exactly as stored, and its hash
    (`leaf`: both as the repository stored them, which spares making them again).

    Built from the journal's own entry, which the domain checked, so it is encoded without
    validating it again through marshmallow (one per entry: it was a third of an append)."""
    entry, campaign_id = event.entry, event.campaign_id
    leaf_data, leaf_hash = leaf or (data := entry.leaf_data(), merkle.leaf_hash(data))
    return trusted_envelope(
        "ledger.entry_appended",
        {
            "campaign_id": campaign_id,
            "seq": entry.seq,
            "kind": entry.kind.value,
            "amount": entry.amount,
            "currency": entry.currency,
            "category": entry.category,
            "reverses_seq": entry.reverses_seq,
            "occurred_at": entry.occurred_at,
            "recorded_at": entry.recorded_at,
            "leaf_hash": base64.b64encode(leaf_hash).decode(),
            "leaf_data": leaf_data.decode(),
        },
        producer=PRODUCER,
        campaign_id=campaign_id,
        occurred_at=entry.recorded_at,
    )


def checkpoint_published(checkpoint: PublishedCheckpoint, origin: str) -> Envelope:
    return new_envelope(
        "ledger.checkpoint_published",
        {
            "campaign_id": checkpoint.campaign_id,
            "origin": origin,
            "tree_size": checkpoint.tree_size,
            "root_hash": base64.b64encode(checkpoint.root_hash).decode(),
            "note": checkpoint.note,
        },
        producer=PRODUCER,
        campaign_id=checkpoint.campaign_id,
        occurred_at=checkpoint.published_at,
    )
