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
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8002"
#: A report's PDF gets this long in its child process before it is killed.
DEFAULT_REPORT_TIMEOUT = 120.0
#: The child's address space (RLIMIT_AS, bytes): virtual memory, so well above its peak RSS.
DEFAULT_REPORT_MEMORY_LIMIT = 2 * 1024**3
#: Rows of the report's ledger table (and receipts index) before it is cut; the attached export
#: always holds every entry. WeasyPrint lays out roughly 80-160 table rows a second.
DEFAULT_REPORT_MAX_ROWS = 1_000
#: Report PDFs one process renders at once; readers asking for more get 503 with Retry-After.
#: Each may take LEDGER_REPORT_MEMORY_LIMIT and a core for up to LEDGER_REPORT_TIMEOUT.
DEFAULT_REPORT_MAX_RENDERS = 2


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
    #: Where people reach the ledger: the base of absolute links it hands out (no trailing `/`).
    public_url: str = DEFAULT_PUBLIC_URL
    #: Seconds a report's PDF may take to render before its child process is killed.
    report_timeout: float = DEFAULT_REPORT_TIMEOUT
    #: Bytes of address space the report's child process may use.
    report_memory_limit: int = DEFAULT_REPORT_MEMORY_LIMIT
    #: Rows of the report's ledger table and receipts index before they are cut.
    report_max_rows: int = DEFAULT_REPORT_MAX_ROWS
    #: Report PDFs this process renders at once.
    report_max_renders: int = DEFAULT_REPORT_MAX_RENDERS
    #: Where report PDFs rendered for readers before publication are kept (a cache).
    report_cache_dir: Path = Path("var/report-cache")

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
            "public_url": env.str("LEDGER_PUBLIC_URL", DEFAULT_PUBLIC_URL),
            "report_timeout": env.float("LEDGER_REPORT_TIMEOUT", DEFAULT_REPORT_TIMEOUT),
            "report_memory_limit": env.int(
                "LEDGER_REPORT_MEMORY_LIMIT", DEFAULT_REPORT_MEMORY_LIMIT
            ),
            "report_max_rows": env.int("LEDGER_REPORT_MAX_ROWS", DEFAULT_REPORT_MAX_ROWS),
            "report_max_renders": env.int("LEDGER_REPORT_MAX_RENDERS", DEFAULT_REPORT_MAX_RENDERS),
            "report_cache_dir": env.path("LEDGER_REPORT_CACHE_DIR", var_dir / "report-cache"),
        }
        values.update({k: v for k, v in settings.extra.items() if k in values})
        for name in ("log_key_file", "receipts_dir", "report_cache_dir"):
            values[name] = Path(values[name])
        # Links are built as `public_url + "/api/v1/..."`: one trailing slash would double.
        values["public_url"] = str(values["public_url"]).rstrip("/")
        loaded = cls(**values)
        if loaded.receipt_max_bytes < 1:
            raise ValueError("LEDGER_RECEIPT_MAX_BYTES must be at least 1")
        if loaded.checkpoint_interval < 0:
            raise ValueError("LEDGER_CHECKPOINT_INTERVAL must not be negative")
        if not loaded.public_url.startswith(("http://", "https://")):
            raise ValueError("LEDGER_PUBLIC_URL must be an http:// or https:// URL")
        if loaded.report_timeout <= 0:
            raise ValueError("LEDGER_REPORT_TIMEOUT must be positive")
        if loaded.report_memory_limit < 64 * 1024**2:
            raise ValueError("LEDGER_REPORT_MEMORY_LIMIT must be at least 64 MiB")
        if loaded.report_max_rows < 1:
            raise ValueError("LEDGER_REPORT_MAX_ROWS must be at least 1")
        if loaded.report_max_renders < 1:
            raise ValueError("LEDGER_REPORT_MAX_RENDERS must be at least 1")
        return loaded

    def campaign_origin(self, campaign_id: object) -> str:
        """The origin line of one campaign's log: `<origin>/campaigns/<campaign id>`."""
        return f"{self.log_origin}/campaigns/{campaign_id}"
