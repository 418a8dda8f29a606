"""The public spending report, rendered: HTML in process, PDF/A-3b in a bounded child process.

:class:`ReportRenderer` (built once by the ledger's composition root) takes a
:class:`ReportSource`, the campaign's log at one signed checkpoint, and gives a
:class:`RenderedReport`: the HTML page, the PDF and the totals, all from one set of figures.
The PDF embeds the export of exactly the checkpoint's leaves, the signed checkpoint and the
verifier key, so ``pdfdetach -saveall`` and ``fundtrail verify`` check it with nothing else.

The PDF is made by ``python -m services.ledger.reports.child`` with an address-space limit
(``RLIMIT_AS``), killed when it outlives the timeout: a huge or hostile document costs a child,
never the web or worker process. Both failures are refusals in the ``StateConflict`` family.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.ledger.adapters.checkpoints import PublishedCheckpoint
from services.ledger.domain import merkle
from services.ledger.reports import document
from services.ledger.reports.child import OUT_OF_MEMORY
from services.ledger.reports.figures import Figures, compute_figures, parse_leaves
from shared.errors import StateConflict


class ReportNotRendered(StateConflict):
    """The report's PDF could not be made within the rendering bounds."""


class ReportTimedOut(ReportNotRendered):
    """Rendering the PDF took longer than ``LEDGER_REPORT_TIMEOUT``; the child was killed."""


class ReportTooLarge(ReportNotRendered):
    """Rendering the PDF needed more memory than ``LEDGER_REPORT_MEMORY_LIMIT``."""


class ReportSourceMismatch(ValueError):
    """The leaves handed in are not the log of the checkpoint (a programming error)."""


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF with the relationship ``Data`` (PDF/A-3 associated file)."""

    name: str
    content: bytes
    description: str


@dataclass(frozen=True)
class ReportSource:
    """A campaign's log at one signed checkpoint: everything a report is made from."""

    #: ``queries.public_campaign()``: id, title, currency, status, goal_amount, deadline,
    #: funding_model, budget ``[{category, amount}]``.
    campaign: Mapping[str, Any]
    checkpoint: PublishedCheckpoint
    #: Exactly ``checkpoint.tree_size`` leaf lines, without newlines.
    leaves: Sequence[bytes]
    #: The log's verifier key line (``LogSigning.signer.vkey``).
    verifier_key: str
    #: Absolute URL of ``…/api/v1/campaigns/{id}/checkpoints/{size}``.
    checkpoint_url: str
    #: Absolute URL of ``…/export.jsonl?tree_size={size}``.
    export_url: str
    locale: str = "en"


@dataclass(frozen=True)
class ReportTotals:
    """The report's headline figures, in minor units of ``currency``."""

    currency: str
    raised: int
    refunded: int
    spent: int
    available: int
    shortfall: int
    #: Distinct pledges with money in (contributed more than was refunded), from the leaves.
    backers_count: int


@dataclass(frozen=True)
class RenderedReport:
    html: str
    pdf: bytes
    totals: ReportTotals


class ReportRenderer:
    """Makes reports within bounds: ``timeout`` seconds and ``memory_limit`` bytes of address
    space for the PDF's child process, and at most ``max_table_rows`` rows in the ledger table
    and the receipts index (the attached export always holds every entry)."""

    def __init__(self, *, timeout: float, memory_limit: int, max_table_rows: int) -> None:
        if timeout <= 0 or memory_limit <= 0 or max_table_rows < 1:
            raise ValueError("report bounds must be positive")
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.max_table_rows = max_table_rows

    def render(self, source: ReportSource) -> RenderedReport:
        """The HTML, the PDF (made in a child process) and the totals of one report."""
        figures = self.figures(source)
        html = self._html(source, figures, for_pdf=False)
        pdf = self._pdf(self._html(source, figures, for_pdf=True), source, figures)
        return RenderedReport(html=html, pdf=pdf, totals=totals_of(figures))

    def render_html(self, source: ReportSource) -> str:
        """The HTML page alone: cheap, made in process."""
        return self._html(source, self.figures(source), for_pdf=False)

    def figures(self, source: ReportSource) -> Figures:
        """The report's figures, after checking that the leaves are the checkpoint's log."""
        check_source(source)
        campaign = source.campaign
        return compute_figures(
            parse_leaves(source.leaves),
            currency=campaign["currency"],
            budget={line["category"]: line["amount"] for line in campaign["budget"]},
            status=campaign["status"],
            made_at=source.checkpoint.published_at,
        )

    def _html(self, source: ReportSource, figures: Figures, *, for_pdf: bool) -> str:
        return document.render_document(
            campaign=source.campaign,
            checkpoint=source.checkpoint,
            figures=figures,
            verifier_key=source.verifier_key,
            checkpoint_url=source.checkpoint_url,
            export_url=source.export_url,
            locale=source.locale,
            max_table_rows=self.max_table_rows,
            for_pdf=for_pdf,
        )

    def _pdf(self, html: str, source: ReportSource, figures: Figures) -> bytes:
        attachments = report_attachments(source)
        with tempfile.TemporaryDirectory(prefix="fundtrail-report-") as folder:
            job = Path(folder)
            (job / "attachments").mkdir()
            for index, attachment in enumerate(attachments):
                (job / "attachments" / str(index)).write_bytes(attachment.content)
            (job / "report.html").write_text(html, "utf-8")
            (job / "job.json").write_text(
                json.dumps(
                    {
                        "made_at": figures.made_at.isoformat(),
                        "attachments": [
                            {"name": a.name, "description": a.description, "file": str(i)}
                            for i, a in enumerate(attachments)
                        ],
                    }
                ),
                "utf-8",
            )
            self._run_child(job)
            return (job / "report.pdf").read_bytes()

    def _run_child(self, job: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "services.ledger.reports.child",
            str(job),
            str(self.memory_limit),
        ]
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            _, errors = child.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise ReportTimedOut(
                f"The report took longer than {self.timeout:g} s to render and was stopped; "
                "the complete export stays available."
            ) from None
        if child.returncode == OUT_OF_MEMORY:
            raise ReportTooLarge(
                f"The report needed more than {self.memory_limit} bytes to render; "
                "the complete export stays available."
            )
        if child.returncode != 0 or not (job / "report.pdf").exists():
            detail = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            # A C library failing its allocation under the limit dies by a signal or aborts,
            # rather than raising MemoryError: say what is known.
            raise ReportNotRendered(
                f"The report's PDF could not be rendered (exit {child.returncode}: {detail[0]})."
            )


def check_source(source: ReportSource) -> None:
    """ReportSourceMismatch unless the leaves are exactly the log the checkpoint signs."""
    checkpoint = source.checkpoint
    if len(source.leaves) != checkpoint.tree_size:
        raise ReportSourceMismatch(
            f"{len(source.leaves)} leaves for a checkpoint of {checkpoint.tree_size}"
        )
    if any(b"\n" in leaf for leaf in source.leaves):
        raise ReportSourceMismatch("a leaf holds a newline")
    root = merkle.root_from_leaves(merkle.leaf_hash(leaf) for leaf in source.leaves)
    if root != checkpoint.root_hash:
        raise ReportSourceMismatch("the leaves do not hash to the checkpoint's root")


def report_attachments(source: ReportSource) -> list[PdfAttachment]:
    """The files the PDF carries: the export of exactly the checkpoint's leaves (byte for byte
    GET export.jsonl?tree_size=N), the signed checkpoint and the verifier key."""
    export = b"".join(leaf + b"\n" for leaf in source.leaves)
    return [
        PdfAttachment(
            document.EXPORT_NAME,
            export,
            f"The campaign's log: {source.checkpoint.tree_size} entries, one leaf per line",
        ),
        PdfAttachment(
            document.CHECKPOINT_NAME,
            source.checkpoint.note.encode("utf-8"),
            "The signed checkpoint (C2SP signed note) this report was made from",
        ),
        PdfAttachment(
            document.KEY_NAME,
            (source.verifier_key + "\n").encode("utf-8"),
            "The log's verifier key (signed-note vkey)",
        ),
    ]


def totals_of(figures: Figures) -> ReportTotals:
    balance = figures.balance
    return ReportTotals(
        currency=balance.currency,
        raised=balance.raised,
        refunded=balance.refunded,
        spent=balance.spent,
        available=balance.available,
        shortfall=balance.shortfall,
        backers_count=figures.backers_count,
    )
