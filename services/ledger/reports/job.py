"""A PDF rendering job as the parent writes it and the child reads it: one directory on disk.

The directory holds ``job.json`` (the time to stamp, the attachments' names and descriptions),
``report.html`` and one file per attachment under ``attachments/``; the child writes
``report.pdf`` beside them. Both sides import this module and nothing of each other, so the web
process never loads WeasyPrint and the child never loads the renderer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

#: The child's exit status when it ran out of its address space.
OUT_OF_MEMORY = 3
#: What the child writes into the job directory.
PDF_NAME = "report.pdf"


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF with the relationship ``Data`` (PDF/A-3 associated file)."""

    name: str
    content: bytes
    description: str


@dataclass(frozen=True)
class Job:
    html: str
    attachments: Sequence[PdfAttachment]
    #: Every date in the PDF, so the same job gives the same bytes.
    made_at: datetime
    #: Pictures the HTML names by `fundtrail-report:<name>` (the cover), name → JPEG bytes.
    images: Mapping[str, bytes] = field(default_factory=dict)


def write_job(folder: Path, job: Job) -> None:
    (folder / "attachments").mkdir()
    for index, attachment in enumerate(job.attachments):
        (folder / "attachments" / str(index)).write_bytes(attachment.content)
    (folder / "images").mkdir()
    for index, content in enumerate(job.images.values()):
        (folder / "images" / str(index)).write_bytes(content)
    (folder / "report.html").write_text(job.html, "utf-8")
    listing = [
        {"name": a.name, "description": a.description, "file": str(i)}
        for i, a in enumerate(job.attachments)
    ]
    (folder / "job.json").write_text(
        json.dumps(
            {
                "made_at": job.made_at.isoformat(),
                "attachments": listing,
                "images": {name: str(i) for i, name in enumerate(job.images)},
            }
        ),
        "utf-8",
    )


def read_job(folder: Path) -> Job:
    listing = json.loads((folder / "job.json").read_text("utf-8"))
    return Job(
        html=(folder / "report.html").read_text("utf-8"),
        attachments=[
            PdfAttachment(
                name=item["name"],
                content=(folder / "attachments" / item["file"]).read_bytes(),
                description=item["description"],
            )
            for item in listing["attachments"]
        ],
        made_at=datetime.fromisoformat(listing["made_at"]),
        images={
            name: (folder / "images" / file).read_bytes()
            for name, file in listing.get("images", {}).items()
        },
    )


def write_pdf_result(folder: Path, pdf: bytes) -> None:
    """The child's answer, renamed into place whole so the parent never reads half a file."""
    partial = folder / f"{PDF_NAME}.part"
    partial.write_bytes(pdf)
    partial.rename(folder / PDF_NAME)
