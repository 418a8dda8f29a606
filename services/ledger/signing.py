"""How the ledger signs its logs: the key, the origin, and how often the worker checkpoints.

Built once per process, by the ledger's composition root (bootstrap.py), for the app, the
worker and the CLI alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.ledger.adapters.log_key import load_or_create_log_signer
from services.ledger.domain.signed_note import Signer
from services.ledger.settings import LedgerSettings


@dataclass(frozen=True)
class LogSigning:
    """The key checkpoints are signed with, and the names they carry."""

    signer: Signer
    #: The operator's origin, e.g. `fundtrail.local`; each campaign's log adds `/campaigns/<id>`.
    origin: str
    #: While the worker is behind the journal, at most one checkpoint per campaign this often.
    checkpoint_interval: float

    @classmethod
    def from_settings(cls, ledger: LedgerSettings) -> LogSigning:
        signer = load_or_create_log_signer(ledger.log_key_file, ledger.log_origin)
        return cls(signer, ledger.log_origin, ledger.checkpoint_interval)

    def campaign_origin(self, campaign_id: uuid.UUID) -> str:
        return f"{self.origin}/campaigns/{campaign_id}"
