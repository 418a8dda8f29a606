"""The public spending report, rendered: HTML in process, PDF/A-3b in a bounded child process.

:class:`ReportRenderer` (built once by the ledger's composition root) takes a
:class:`ReportSource`, the campaign's log at one signed checkpoint, and gives a
:class:`RenderedReport`: the HTML page, the PDF and the totals, all from one set of figures.
The PDF embeds the export of exactly the checkpoint's leaves, the signed checkpoint and the
verifier key, so ``pdfdetach -saveall`` and ``fundtrail verify`` check it with nothing else.

The PDF is made by ``python -m services.ledger.reports.child`` with an address-space limit
(``RLIMIT_AS``), killed when it outlives the timeout: a huge or hostile document costs a child,
never the web or worker process. Both failures are refusals in the ``StateConflict`` family.
At most ``max_renders`` children run at once per process; one more is refused at once with
:class:`RenderingBusy` (503 with ``Retry-After``) rather than queued behind the others.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.ledger.adapters.checkpoints import PublishedCheckpoint
from services.ledger.domain import merkle
from services.ledger.domain.accounts_chart import Balance
from services.ledger.domain.cover import CoverPicture
from services.ledger.reports import document
from services.ledger.reports.figures import Figures, compute_figures, parse_leaves
from services.ledger.reports.job import OUT_OF_MEMORY, PDF_NAME, Job, PdfAttachment, write_job
from shared.errors import StateConflict

#: Seconds a reader told to come back is asked to wait: about one small report's rendering.
RETRY_AFTER = 5
#: PDF renderings a process runs at once by default (LEDGER_REPORT_MAX_RENDERS).
DEFAULT_MAX_RENDERS = 2


class RenderingBusy(Exception):
    """No rendering can start now (the cap is reached, or this report is being made): come back
    in ``retry_after`` seconds. Not a refusal of the request: a 503, not a domain family."""

    def __init__(self, message: str, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class ReportNotRendered(StateConflict):
    """The report's PDF could not be made within the rendering bounds."""


class ReportTimedOut(ReportNotRendered):
    """Rendering the PDF took longer than ``LEDGER_REPORT_TIMEOUT``; the child was killed."""


class ReportTooLarge(ReportNotRendered):
    """Rendering the PDF needed more memory than ``LEDGER_REPORT_MEMORY_LIMIT``."""


class ReportSourceMismatch(ValueError):
    """The leaves handed in are not the log of the checkpoint (a programming error)."""


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
    #: The provider's references of disputes it closed as lost: no money moves then, so the
    #: log holds no entry of it (see ``figures``).
    lost_disputes: frozenset[str] = frozenset()
    #: The campaign's cover picture, shown on the first page; None before one is chosen.
    cover: CoverPicture | None = None


@dataclass(frozen=True)
class RenderedReport:
    html: str
    pdf: bytes
    #: The report's totals: the balance type ``GET /balance`` answers with, from the leaves.
    balance: Balance
    #: Distinct pledges with money in (contributed more than was refunded), from the leaves.
    backers_count: int


class ReportRenderer:
    """Makes reports within bounds: ``timeout`` seconds and ``memory_limit`` bytes of address
    space for the PDF's child process, and at most ``max_table_rows`` rows in the ledger table
    and the receipts index (the attached export always holds every entry); at most
    ``max_renders`` PDFs at once."""

    def __init__(
        self,
        *,
        timeout: float,
        memory_limit: int,
        max_table_rows: int,
        max_renders: int = DEFAULT_MAX_RENDERS,
    ) -> None:
        if timeout <= 0 or memory_limit <= 0 or max_table_rows < 1 or max_renders < 1:
            raise ValueError("report bounds must be positive")
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.max_table_rows = max_table_rows
        self.max_renders = max_renders
        self._renders = threading.BoundedSemaphore(max_renders)

    def render(self, source: ReportSource) -> RenderedReport:
        """The HTML, the PDF (made in a child process) and the totals of one report."""
        figures = self.figures(source)
        html = self._html(source, figures, for_pdf=False)
        if not self._renders.acquire(blocking=False):
            raise RenderingBusy(
                f"{self.max_renders} reports are being rendered already; try again in a moment."
            )
        try:
            pdf = self._pdf(self._html(source, figures, for_pdf=True), source, figures)
        finally:
            self._renders.release()
        return RenderedReport(
            html=html, pdf=pdf, balance=figures.balance, backers_count=figures.backers_count
        )

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
            lost_disputes=source.lost_disputes,
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
            cover=source.cover,
        )

    def _pdf(self, html: str, source: ReportSource, figures: Figures) -> bytes:
        with tempfile.TemporaryDirectory(prefix="fundtrail-report-") as folder:
            job = Path(folder)
            images = {} if source.cover is None else {document.COVER_NAME: source.cover.jpeg}
            write_job(job, Job(html, report_attachments(source), figures.made_at, images))
            self._run_child(job)
            return (job / PDF_NAME).read_bytes()

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
        if child.returncode != 0 or not (job / PDF_NAME).exists():
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
