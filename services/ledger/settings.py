"""The ledger's own settings: its log's signing key and origin, receipts, checkpoint batching.

Defaults, then environment variables, then `Settings.extra` (a test's overrides); nothing is
read at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from environs import Env

from shared.config import Settings

DEFAULT_ORIGIN = "fundtrail.local"
DEFAULT_RECEIPT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_CHECKPOINT_INTERVAL = 2.0


@dataclass(frozen=True)
class LedgerSettings:
    """What the ledger needs beyond the settings every service shares."""

    #: The log's Ed25519 signing key, in the C2SP `PRIVATE+KEY+…` form; made on first run.
    log_key_file: Path
    #: The log operator's name: the key's name and the start of every campaign log's origin.
    log_origin: str
    #: Where receipt files are stored, named by their SHA-256.
    receipts_dir: Path
    #: The largest receipt accepted, in bytes.
    receipt_max_bytes: int
    #: While the worker is behind the journal, at most one checkpoint per campaign this often.
    checkpoint_interval: float

    @classmethod
    def load(cls, settings: Settings) -> LedgerSettings:
        env = Env()
        var_dir = settings.var_dir
        values: dict[str, Any] = {
            "log_key_file": env.path("LEDGER_LOG_KEY_FILE", var_dir / "keys" / "log-signing.key"),
            "log_origin": env.str("FUNDTRAIL_LOG_ORIGIN", DEFAULT_ORIGIN),
            "receipts_dir": env.path("LEDGER_RECEIPTS_DIR", var_dir / "receipts"),
            "receipt_max_bytes": env.int("LEDGER_RECEIPT_MAX_BYTES", DEFAULT_RECEIPT_MAX_BYTES),
            "checkpoint_interval": env.float(
                "LEDGER_CHECKPOINT_INTERVAL", DEFAULT_CHECKPOINT_INTERVAL
            ),
        }
        values.update({k: v for k, v in settings.extra.items() if k in values})
        for name in ("log_key_file", "receipts_dir"):
            values[name] = Path(values[name])
        loaded = cls(**values)
        if loaded.receipt_max_bytes < 1:
            raise ValueError("LEDGER_RECEIPT_MAX_BYTES must be at least 1")
        if loaded.checkpoint_interval < 0:
            raise ValueError("LEDGER_CHECKPOINT_INTERVAL must not be negative")
        return loaded

    def campaign_origin(self, campaign_id: object) -> str:
        """The origin line of one campaign's log: `<origin>/campaigns/<campaign id>`."""
        return f"{self.log_origin}/campaigns/{campaign_id}"
