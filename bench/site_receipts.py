"""The site passing a receipt on to the ledger: peak memory and time per upload, streamed
(`ServiceClient.post_multipart`, requests-toolbelt's encoder reading the file as it sends)
against what the site did before (requests' `files=`, which builds the whole body first), to a
sink in another process that reads and drops the body, so only the site's side is measured:

    python -m bench site_receipts --megabytes 1 --megabytes 10
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import requests

from bench.common import machine_description, write_results
from services.site.clients import ServiceClient

NAME = "site_receipts"
SINK = """
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        left = int(self.headers["Content-Length"])
        while left:
            left -= len(self.rfile.read(min(left, 1 << 16)))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Sink)
print(server.server_port, flush=True)
server.serve_forever()
"""


@contextmanager
def sink() -> Iterator[str]:
    # Popen as a context closes the pipe too; the sink is stopped first, or leaving would wait.
    argv = [sys.executable, "-c", SINK]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            yield f"http://127.0.0.1:{process.stdout.readline().strip()}"
        finally:
            process.terminate()
            process.wait(10)


def measure(send: Callable[[io.BytesIO], object], receipt: bytes, repeats: int) -> dict[str, float]:
    """Median seconds per upload, then the peak of Python allocations during one more."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        send(io.BytesIO(receipt))
        times.append(time.perf_counter() - started)
    upload = io.BytesIO(receipt)  # the site holds the upload already (Werkzeug spools it)
    tracemalloc.start()
    send(upload)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": sorted(times)[len(times) // 2], "peak_mib": peak / 2**20}


@click.command(name=NAME)
@click.option("--megabytes", "sizes", type=int, multiple=True, default=(1, 10))
@click.option("--repeats", type=int, default=5, show_default=True)
def command(sizes: tuple[int, ...], repeats: int) -> None:
    """Receipt uploads through the site: streamed against buffered."""
    rows = []
    with sink() as url, requests.Session() as session:
        client = ServiceClient("ledger", url, session, timeout=60)
        fields = {"amount": "12345", "currency": "EUR", "category": "Bricks"}

        def buffered(file: io.BytesIO) -> object:
            files = {"receipt": ("receipt.pdf", file, "application/pdf")}
            return client.request("POST", "/expenses", data=fields, files=files)

        def streamed(file: io.BytesIO) -> object:
            files = {"receipt": ("receipt.pdf", file, "application/pdf")}
            return client.post_multipart("/expenses", fields, files)

        for size in sizes:
            receipt = b"%PDF-1.7\n" + b"x" * (size * 2**20)
            before = measure(buffered, receipt, repeats)
            after = measure(streamed, receipt, repeats)
            rows.append({"megabytes": size, "buffered": before, "streamed": after})
            click.echo(
                f"{size:>4} MiB  buffered {before['seconds'] * 1000:7.1f} ms "
                f"peak {before['peak_mib']:6.2f} MiB | streamed {after['seconds'] * 1000:7.1f} ms "
                f"peak {after['peak_mib']:6.2f} MiB | time ratio "
                f"{before['seconds'] / after['seconds']:.2f}x"
            )
    document = {"machine": machine_description(None, Path(tempfile.gettempdir())), "rows": rows}
    click.echo(f"results: {write_results(NAME, document)}")
