"""Fixtures for the ledger's unit tests: the published test vectors under tests/vectors/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).resolve().parents[2] / "vectors"


@pytest.fixture(scope="session")
def rfc6962_vectors() -> dict[str, Any]:
    """transparency-dev/merkle's RFC 6962 vectors (Apache-2.0)."""
    return json.loads((VECTORS / "rfc6962.json").read_text())


@pytest.fixture(scope="session")
def signed_note_vector() -> dict[str, str]:
    """golang.org/x/mod/sumdb/note's reference signed note (BSD)."""
    return json.loads((VECTORS / "signed_note.json").read_text())
