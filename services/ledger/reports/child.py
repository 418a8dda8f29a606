"""The child process that turns a report's HTML into its PDF, inside an address-space limit.

Run by :class:`~services.ledger.reports.rendering.ReportRenderer` as
``python -m services.ledger.reports.child JOB_DIR MEMORY_LIMIT``. The job directory holds
``job.json`` (the time to stamp, the attachments' names and descriptions), ``report.html`` and
one file per attachment under ``attachments/``; the child writes ``report.pdf`` beside them.
The limit is set before WeasyPrint is even imported, so a pathological document runs out of
memory here rather than in the web or worker process. Exit status: 0 done, 3 out of memory,
1 anything else (the traceback on stderr).
"""

from __future__ import annotations

import json
import os
import resource
import sys
from datetime import datetime
from pathlib import Path

OUT_OF_MEMORY = 3


def main(argv: list[str]) -> int:
    job_dir, memory_limit = Path(argv[0]), int(argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    try:
        # Imported after the limit on purpose: WeasyPrint and its C libraries count too.
        from services.ledger.reports.pdf import PdfAttachment, write_pdf

        job = json.loads((job_dir / "job.json").read_text("utf-8"))
        made_at = datetime.fromisoformat(job["made_at"])
        # fontTools stamps the subset fonts' `head` table with the time, unless this is set
        # (reproducible-builds.org): pinned to the checkpoint, the same job gives the same bytes.
        os.environ["SOURCE_DATE_EPOCH"] = str(int(made_at.timestamp()))
        attachments = [
            PdfAttachment(
                name=item["name"],
                content=(job_dir / "attachments" / item["file"]).read_bytes(),
                description=item["description"],
            )
            for item in job["attachments"]
        ]
        html = (job_dir / "report.html").read_text("utf-8")
        pdf = write_pdf(html, attachments, made_at)
        partial = job_dir / "report.pdf.part"
        partial.write_bytes(pdf)
        partial.rename(job_dir / "report.pdf")
    except MemoryError:
        print("out of memory", file=sys.stderr)
        return OUT_OF_MEMORY
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
