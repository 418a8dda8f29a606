"""The ledger's blueprint class: its routes also read multipart bodies (receipts)."""

from __future__ import annotations

from shared.web.api import MULTIPART, MultipartParser, UploadBlueprint

__all__ = ["MULTIPART", "LedgerBlueprint", "MultipartParser"]


class LedgerBlueprint(UploadBlueprint):
    """The shared upload blueprint, under the name the ledger's routes know."""
