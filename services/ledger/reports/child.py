"""The child process that turns a report's HTML into its PDF, inside an address-space limit.

Run by :class:`~services.ledger.reports.rendering.ReportRenderer` as
``python -m services.ledger.reports.child JOB_DIR MEMORY_LIMIT``; the job directory's layout is
:mod:`.job`'s, the one module parent and child share. The limit is set before WeasyPrint is
even imported, so a pathological document runs out of memory here rather than in the web or
worker process. Exit status: 0 done, 3 out of memory, 1 anything else (the traceback on
stderr).
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

from services.ledger.reports.job import OUT_OF_MEMORY, read_job, write_pdf_result


def main(argv: list[str]) -> int:
    job_dir, memory_limit = Path(argv[0]), int(argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    try:
        # Imported after the limit on purpose: WeasyPrint and its C libraries count too.
        from services.ledger.reports.pdf import PackagedAssetFetcher, write_pdf

        job = read_job(job_dir)
        # fontTools stamps the subset fonts' `head` table with the time, unless this is set
        # (reproducible-builds.org): pinned to the checkpoint, the same job gives the same bytes.
        os.environ["SOURCE_DATE_EPOCH"] = str(int(job.made_at.timestamp()))
        write_pdf_result(
            job_dir,
            write_pdf(job.html, job.attachments, job.made_at, PackagedAssetFetcher(job.images)),
        )
    except MemoryError:
        print("out of memory", file=sys.stderr)
        return OUT_OF_MEMORY
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
