"""The public spending report, rendered: HTML in process, PDF/A-3b in a bounded worker process.

:class:`ReportRenderer` (built once by the ledger's composition root) takes a
:class:`ReportSource`, the campaign's log at one signed checkpoint, and gives a
:class:`RenderedReport`: the HTML page, the PDF and the totals, all from one set of figures.
The PDF embeds the export of exactly the checkpoint's leaves, the signed checkpoint and the
verifier key, so ``pdfdetach -saveall`` and ``fundtrail verify`` check it with nothing else.

The PDF is made by a warm render worker (``python -m services.ledger.reports.child --serve``,
:class:`RenderWorker`) with an address-space limit (``RLIMIT_AS``): it loads WeasyPrint and the
fonts once and then takes one report at a time over a pipe, so a report no longer pays an
interpreter start and WeasyPrint's import (about 1.5 s). It is killed when a report outlives the
timeout, and replaced after that, after it ran out of memory, crashed or died from outside, and
after ``worker_max_jobs`` reports: a huge or hostile document costs a worker, never the web or
worker process. Both failures are refusals in the ``StateConflict`` family. At most
``max_renders`` workers exist and render at once per process; one more report is refused at once
with :class:`RenderingBusy` (503 with ``Retry-After``) rather than queued behind the others.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from services.ledger.adapters.checkpoints import PublishedCheckpoint
from services.ledger.domain import merkle
from services.ledger.domain.accounts_chart import Balance
from services.ledger.domain.cover import CoverPicture
from services.ledger.reports import document
from services.ledger.reports.figures import Figures, compute_figures, parse_leaves
from services.ledger.reports.job import PDF_NAME, Job, PdfAttachment, write_job
from shared.errors import StateConflict

#: Seconds a reader told to come back is asked to wait: about one small report's rendering.
RETRY_AFTER = 5
#: PDF renderings a process runs at once by default (LEDGER_REPORT_MAX_RENDERS).
DEFAULT_MAX_RENDERS = 2
#: Seconds a new render worker may take to load WeasyPrint and its fonts.
WORKER_START_TIMEOUT = 120.0
#: Reports a worker renders before it is replaced: a long-lived heap fragments, and the
#: address-space limit is the worker's, not one report's.
DEFAULT_WORKER_MAX_JOBS = 50


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
        worker_max_jobs: int = DEFAULT_WORKER_MAX_JOBS,
    ) -> None:
        if timeout <= 0 or memory_limit <= 0 or max_table_rows < 1 or max_renders < 1:
            raise ValueError("report bounds must be positive")
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.max_table_rows = max_table_rows
        self.max_renders = max_renders
        self._renders = threading.BoundedSemaphore(max_renders)
        self.worker_max_jobs = worker_max_jobs
        # Idle warm workers; at most max_renders exist, since each render holds one.
        self._idle: list[RenderWorker] = []
        self._pool_lock = threading.Lock()
        # A renderer dropped without close() (a test's, an app's at exit) takes its idle
        # workers with it instead of leaving them to the garbage collector's warnings.
        weakref.finalize(self, _kill_all, self._idle)

    def render(self, source: ReportSource) -> RenderedReport:
        """The HTML, the PDF (made in a child process) and the totals of one report."""
        return self.render_languages(source, (source.locale,))[source.locale]

    def render_languages(
        self, source: ReportSource, languages: Sequence[str]
    ) -> dict[str, RenderedReport]:
        """One report in each of `languages`: one set of figures, the same attachments, and
        the PDFs made by one child process (WeasyPrint loaded once), its time bound scaled by
        how many it makes."""
        figures = self.figures(source)
        sources = [replace(source, locale=language) for language in languages]
        pages = [self._html(each, figures, for_pdf=False) for each in sources]
        if not self._renders.acquire(blocking=False):
            raise RenderingBusy(
                f"{self.max_renders} reports are being rendered already; try again in a moment."
            )
        try:
            printed = [self._html(each, figures, for_pdf=True) for each in sources]
            pdfs = self._pdfs(printed, source, figures)
        finally:
            self._renders.release()
        return {
            language: RenderedReport(
                html=html, pdf=pdf, balance=figures.balance, backers_count=figures.backers_count
            )
            for language, html, pdf in zip(languages, pages, pdfs, strict=True)
        }

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

    def _pdfs(self, htmls: Sequence[str], source: ReportSource, figures: Figures) -> list[bytes]:
        attachments = report_attachments(source)
        with tempfile.TemporaryDirectory(prefix="fundtrail-report-") as folder:
            jobs = [Path(folder) / str(index) for index in range(len(htmls))]
            images = {} if source.cover is None else {document.COVER_NAME: source.cover.jpeg}
            for job, html in zip(jobs, htmls, strict=True):
                job.mkdir()
                write_job(job, Job(html, attachments, figures.made_at, images))
            self._run_child(jobs)
            return [(job / PDF_NAME).read_bytes() for job in jobs]

    def warm(self) -> None:
        """Start the render workers now and wait until they are ready, rather than on the first
        report (the benchmark, or a ledger that wants its first report fast)."""
        workers = [self._take_worker() for _ in range(self.max_renders)]
        try:
            for worker in workers:
                worker.wait_ready(WORKER_START_TIMEOUT)
        finally:
            for worker in workers:
                self._give_back(worker)

    def close(self) -> None:
        """Stop the idle render workers (and wait for them)."""
        with self._pool_lock:
            _kill_all(self._idle)

    def _take_worker(self) -> RenderWorker:
        with self._pool_lock:
            if self._idle and self._idle[0].owner != os.getpid():
                # A forked copy of this renderer (a preloading gunicorn): those workers answer
                # the parent's pipes; this process starts its own.
                self._idle.clear()
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    return worker
                # Died while idle (killed from outside, say): replaced, never handed a report.
                worker.stop()
        return RenderWorker(self.memory_limit)

    def _give_back(self, worker: RenderWorker) -> None:
        if not worker.reusable(self.worker_max_jobs):
            worker.stop()
            # Started now, warming up while nobody waits, so the next report finds it ready.
            worker = RenderWorker(self.memory_limit)
        with self._pool_lock:
            self._idle.append(worker)

    def _run_child(self, jobs: Sequence[Path]) -> None:
        worker = self._take_worker()
        try:
            worker.wait_ready(WORKER_START_TIMEOUT)
            limit = self.timeout * len(jobs)
            answer = worker.run(jobs, limit)
        except WorkerDied as died:
            raise ReportNotRendered(
                f"The report's PDF could not be rendered ({died}).") from None  # fmt: skip
        finally:
            self._give_back(worker)
        if answer is None:
            raise ReportTimedOut(
                f"The report took longer than {limit:g} s to render and was stopped; "
                "the complete export stays available."
            )
        if answer == "oom":
            raise ReportTooLarge(
                f"The report needed more than {self.memory_limit} bytes to render; "
                "the complete export stays available."
            )
        if answer != "ok" or not all((job / PDF_NAME).exists() for job in jobs):
            raise ReportNotRendered(f"The report's PDF could not be rendered ({answer}).")


class WorkerDied(Exception):
    """The render worker exited or broke the protocol (a crash, a C library's abort)."""


class RenderWorker:
    """One warm ``python -m services.ledger.reports.child --serve`` process: WeasyPrint and the
    fonts are loaded once, then it renders one request at a time over its stdin and stdout,
    under the same ``RLIMIT_AS`` as the one-shot child. Killed when a request outlives its time
    bound; after that, after an error or an ``oom``, it is not used again."""

    def __init__(self, memory_limit: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.ledger.reports.child", "--serve", str(memory_limit)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Inherited: the worker's warnings (refused fetches, tracebacks) land in the
            # ledger's own log, and a pipe nobody reads could never fill up and block it.
            stderr=None,
            bufsize=0,
        )
        self.owner = os.getpid()
        self.jobs = 0
        self.ready = False
        self.broken = False
        self._buffer = b""

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        line = self._read_line(timeout)
        if line != "ready":
            self.broken = True
            self.kill()
            raise WorkerDied(self._death(line, "did not start"))
        self.ready = True

    def run(self, jobs: Sequence[Path], timeout: float) -> str | None:
        """The worker's answer to one request, or None when it ran out of time (then killed)."""
        self.jobs += 1
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps([str(job) for job in jobs]) + "\n").encode())
        except BrokenPipeError:
            self.broken = True
            raise WorkerDied(self._death(None, "had exited")) from None
        line = self._read_line(timeout)
        if line is None and self.process.poll() is None:
            self.broken = True
            self.kill()
            return None
        if line is None:
            self.broken = True
            raise WorkerDied(self._death(None, "exited"))
        if line != "ok":
            self.broken = True
        return line

    def reusable(self, max_jobs: int) -> bool:
        return not self.broken and self.jobs < max_jobs and self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        """Ended at once (it is idle, or its request has failed) and waited for."""
        self.kill()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def _death(self, line: str | None, what: str) -> str:
        if line:
            return f"the render worker {what}: {line}"
        self.process.wait()
        return f"the render worker {what} (exit {self.process.returncode})"

    def _read_line(self, timeout: float) -> str | None:
        """One line from the worker, or None at the deadline or at end of file."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([self.process.stdout], [], [], remaining)
            if not readable:
                return None
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace")


def _kill_all(workers: list[RenderWorker]) -> None:
    while workers:
        worker = workers.pop()
        if worker.owner == os.getpid():
            worker.stop()


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
