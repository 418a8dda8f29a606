"""The child process that turns a report's HTML into its PDF, inside an address-space limit.

Two ways to run it, both setting the limit before WeasyPrint is even imported, so a
pathological document runs out of memory here rather than in the web or worker process:

- ``python -m services.ledger.reports.child JOB_DIR [JOB_DIR ...] MEMORY_LIMIT``: one shot.
  Exit status: 0 done, 3 out of memory, 1 anything else (the traceback on stderr).
- ``python -m services.ledger.reports.child --serve MEMORY_LIMIT``: the warm worker that
  :class:`~services.ledger.reports.rendering.RenderWorker` keeps. It loads WeasyPrint, Pango
  and the report's fonts once (a warm-up render), says ``ready``, then reads one request a line
  on stdin (a JSON list of job directories, one report in each of its languages) and answers
  one line: ``ok``, ``oom`` or ``error <message>``. After ``oom`` or an error it exits: what
  failed may have left the heap or the C libraries in a state the next report should not
  inherit; the parent starts a fresh worker.

The job directory's layout is :mod:`.job`'s, the one module parent and child share.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

from services.ledger.reports.job import OUT_OF_MEMORY, read_job, write_pdf_result

#: What the worker says once WeasyPrint and the fonts are loaded.
READY = "ready"
#: The warm-up document: the report's stylesheet and its three fonts (regular, bold, mono), so
#: fontconfig, Pango and the stylesheet's parse are paid before the first real report.
WARM_UP_HTML = (
    '<html><head><link rel="stylesheet" href="fundtrail-report:report.css"></head><body>'
    "<h1>Warm</h1><p>warm <b>up</b> <code>0123</code></p>"
    "<table><tr><th>a</th><td>1</td></tr></table></body></html>"
)


def render_jobs(job_dirs: list[Path]) -> None:
    from services.ledger.reports.pdf import PackagedAssetFetcher, write_pdf

    for job_dir in job_dirs:
        job = read_job(job_dir)
        # fontTools stamps the subset fonts' `head` table with the time, unless this is set
        # (reproducible-builds.org): pinned to the checkpoint, the same job gives the same
        # bytes.
        os.environ["SOURCE_DATE_EPOCH"] = str(int(job.made_at.timestamp()))
        fetcher = PackagedAssetFetcher(job.images)
        write_pdf_result(job_dir, write_pdf(job.html, job.attachments, job.made_at, fetcher))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        return serve(int(argv[1]))
    job_dirs, memory_limit = [Path(arg) for arg in argv[:-1]], int(argv[-1])
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    try:
        # Imported after the limit on purpose: WeasyPrint and its C libraries count too.
        render_jobs(job_dirs)
    except MemoryError:
        print("out of memory", file=sys.stderr)
        return OUT_OF_MEMORY
    return 0


def serve(memory_limit: int) -> int:
    import json
    from datetime import UTC, datetime

    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    # The answers go on a private copy of stdout; fd 1 itself now points at stderr, so a C
    # library or a stray print() can never write into the protocol.
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        from services.ledger.reports.pdf import write_pdf

        write_pdf(WARM_UP_HTML, [], datetime(2026, 1, 1, tzinfo=UTC))
    except MemoryError:
        return OUT_OF_MEMORY
    answers.write(READY + "\n")
    for line in sys.stdin:
        try:
            render_jobs([Path(each) for each in json.loads(line)])
        except MemoryError:
            answers.write("oom\n")
            return OUT_OF_MEMORY
        except Exception as error:  # the parent reports it; this worker is not reused
            import traceback

            traceback.print_exc()
            message = f"{type(error).__name__}: {error}".replace("\n", " ")[:300]
            answers.write(f"error {message}\n")
            return 1
        answers.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
