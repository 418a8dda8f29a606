"""Reading a PDF's words in tests, with poppler's pdftotext (installed by .ci/run)."""

from __future__ import annotations

import subprocess


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with its lines joined by single spaces."""
    found = subprocess.run(["pdftotext", "-", "-"], input=pdf, check=True, capture_output=True)
    return " ".join(found.stdout.decode("utf-8").split())
