"""Signed checkpoints: when to publish one, and publishing it (inside the caller's transaction).

Batching. The worker hears of every append through its own `ledger.entry_appended` events and
publishes a checkpoint covering the whole journal when it has caught up with the journal (the
event is for the newest entry), or, while it is behind, when the latest checkpoint is older than
`checkpoint_interval`. Under load it is behind, so checkpoints come once per batch or interval,
never once per entry; when the load stops, the last event brings the checkpoint up to date.
Only the worker signs: readers get the latest checkpoint published (every journal starts with
one of the empty tree). At most one checkpoint exists per tree size.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from services.ledger.adapters.checkpoints import PublishedCheckpoint
from services.ledger.adapters.events import LEDGER_TOPIC, checkpoint_published
from services.ledger.domain import merkle
from services.ledger.domain.signed_note import Checkpoint, sign_note
from services.ledger.signing import LogSigning
from services.ledger.unit_of_work import LedgerUnitOfWork


def publish_checkpoint(
    uow: LedgerUnitOfWork,
    signing: LogSigning,
    campaign_id: uuid.UUID,
    tree_size: int,
    now: datetime,
) -> PublishedCheckpoint:
    """Sign the tree of `tree_size` leaves and announce it; the stored one if already there."""
    origin = signing.campaign_origin(campaign_id)
    root = merkle.root_hash(uow.journals.node_store(campaign_id), tree_size)
    note = sign_note(Checkpoint(origin, tree_size, root).to_text(), signing.signer)
    checkpoint = PublishedCheckpoint(campaign_id, tree_size, root, note, now)
    if uow.checkpoints.add(checkpoint):
        # Published here, not at commit: a checkpoint is a signature over the log, which no
        # aggregate records as an event.
        uow.publish(LEDGER_TOPIC, checkpoint_published(checkpoint, origin))
        return checkpoint
    stored = uow.checkpoints.at(campaign_id, tree_size)
    assert stored is not None  # the insert lost to one with this very key
    return stored


def checkpoint_if_due(
    uow: LedgerUnitOfWork,
    signing: LogSigning,
    campaign_id: uuid.UUID,
    appended_seq: int,
    now: datetime,
) -> PublishedCheckpoint | None:
    """The worker's rule, run for each appended entry it hears of (see the module's doc)."""
    # Asked first: in a batch of announcements, all but the first of a campaign's are covered
    # by the checkpoint the first one brought, and the answer is kept for the batch.
    latest = uow.checkpoints.latest(campaign_id)
    if latest is not None and latest.tree_size > appended_seq:
        return None  # that entry is covered already
    size = uow.journals.size(campaign_id)
    if size is None:
        return None
    caught_up = appended_seq + 1 >= size
    waited = (
        latest is None or (now - latest.published_at).total_seconds() >= signing.checkpoint_interval
    )
    if caught_up or waited:
        return publish_checkpoint(uow, signing, campaign_id, size, now)
    return None
