"""Stripe in tests, without the internet: signed webhook events, stripe-mock, a recording proxy.

- `sign_webhook` signs a body exactly as Stripe does (`t=<unix time>,v1=<HMAC-SHA256 hex of
  "<t>.<body>" under the endpoint secret>`), written out here rather than taken from the library
  so that the library's check is tested against an independent signer;
- `stripe_event` builds an event body of Stripe's shape;
- `StripeMock` runs Stripe's own mock server (stateless: it validates each request against
  Stripe's OpenAPI and answers fixtures);
- `RecordingProxy` stands between the client and stripe-mock, records every request with its
  headers and can answer the next ones itself (a 500, a declined card) before forwarding again.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

#: The stripe-mock release the tests and `make test` use.
STRIPE_MOCK_VERSION = "v0.203.0"
STRIPE_MOCK_MODULE = f"github.com/stripe/stripe-mock@{STRIPE_MOCK_VERSION}"
TEST_SECRET_KEY = "sk_test_123"
TEST_WEBHOOK_SECRET = "whsec_test_fundtrail"


# --- webhooks --------------------------------------------------------------------------------


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send with `payload`."""
    moment = int(time.time()) if timestamp is None else timestamp
    signed = f"{moment}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


def stripe_event(
    event_type: str,
    data_object: dict[str, Any],
    *,
    event_id: str | None = None,
    created: int | None = None,
    account: str | None = None,
) -> bytes:
    """A webhook body of Stripe's shape (a v1 "snapshot" event), as compact JSON bytes."""
    body: dict[str, Any] = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created,
        "type": event_type,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": data_object},
    }
    if account is not None:
        body["account"] = account
    return json.dumps(body, separators=(",", ":")).encode()


# --- stripe-mock -----------------------------------------------------------------------------


def stripe_mock_binary() -> Path | None:
    """Where `go install` put stripe-mock ($STRIPE_MOCK, then the PATH, then Go's bin folder)."""
    named = os.environ.get("STRIPE_MOCK")
    if named:
        return Path(named) if Path(named).is_file() else None
    found = shutil.which("stripe-mock")
    if found:
        return Path(found)
    folders: list[str] = []
    if shutil.which("go"):
        for variable, suffix in (("GOBIN", ""), ("GOPATH", "bin")):
            try:
                value = subprocess.run(
                    ["go", "env", variable], capture_output=True, text=True, timeout=30, check=True
                ).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                continue
            if value:
                folders.append(str(Path(value.split(os.pathsep)[0]) / suffix))
    folders.append(str(Path.home() / "go" / "bin"))
    for folder in folders:
        candidate = Path(folder) / "stripe-mock"
        if candidate.is_file():
            return candidate
    return None


class StripeMock:
    """One stripe-mock process on free local ports (HTTP for the client, HTTPS bound too, since
    without `-https-addr` it would take :12112 and fail when another run holds it)."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        # Its output goes to a file: a pipe nobody reads would block it once full.
        self._log: IO[bytes] | None = None

    def start(self, attempts: int = 3) -> str:
        from infra.broker import find_free_port

        last = ""
        for _ in range(attempts):  # a free port can be taken between asking and binding
            http_port, https_port = find_free_port(), find_free_port()
            self._log = tempfile.TemporaryFile()  # noqa: SIM115  (closed by stop())
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    "-http-addr",
                    f"127.0.0.1:{http_port}",
                    "-https-addr",
                    f"127.0.0.1:{https_port}",
                ],
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
            self.url = f"http://127.0.0.1:{http_port}"
            if self._wait_until_answering(timeout=30):
                return self.url
            last = self.stop()
        raise RuntimeError(f"stripe-mock did not start: {last.strip()[-500:]}")

    def _wait_until_answering(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                status, _, _ = raw_request("GET", self.url + "/v1/balance", {}, None, key_only=True)
                if status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> str:
        """Stop the process; what it wrote."""
        process, self.process = self.process, None
        log, self._log = self._log, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if log is None:
            return ""
        with log:
            log.seek(0)
            return log.read().decode(errors="replace")


# --- the recording proxy ---------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """One request that reached the proxy."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, list[str]]:
        """The form-encoded parameters Stripe's client sent."""
        return urllib.parse.parse_qs(self.body.decode(), keep_blank_values=True)


@dataclass(frozen=True)
class Canned:
    """An answer the proxy gives itself instead of forwarding."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def card_declined(
    decline_code: str = "card_declined", payment_intent: dict[str, Any] | None = None
) -> Canned:
    """Stripe's 402 for a declined card (a `card_error`), as its API answers it."""
    code = (
        "authentication_required" if decline_code == "authentication_required" else "card_declined"
    )
    error: dict[str, Any] = {
        "type": "card_error",
        "code": code,
        "decline_code": decline_code,
        "message": "Your card was declined.",
        "doc_url": f"https://stripe.com/docs/error-codes/{code}",
        "request_log_url": "https://dashboard.stripe.com/test/logs/req_test",
    }
    if payment_intent is not None:
        error["payment_intent"] = payment_intent
    return Canned(402, {"error": error}, {"Request-Id": "req_test_declined"})


def server_error() -> Canned:
    """Stripe's 500 (`api_error`): the client retries it with the same idempotency key."""
    return Canned(
        500,
        {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}},
        {"Request-Id": "req_test_500"},
    )


class RecordingProxy:
    """A local HTTP proxy in front of `upstream` (stripe-mock) that records what it is sent."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.requests: list[Recorded] = []
        self._canned: dict[str, deque[Canned]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer_next(self, method: str, *answers: Canned) -> None:
        """The next requests with `method` get these answers, in order, instead of upstream's."""
        with self._lock:
            self._canned.setdefault(method.upper(), deque()).extend(answers)

    def sent(self, method: str | None = None, path_prefix: str = "") -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(path_prefix)
            ]

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name: value for name, value in self.headers.items()}
                with proxy._lock:
                    proxy.requests.append(Recorded(self.command, self.path, headers, body))
                    queue = proxy._canned.get(self.command)
                    canned = queue.popleft() if queue else None
                if canned is not None:
                    status = canned.status
                    answer = json.dumps(canned.body).encode()
                    answer_headers = {"Content-Type": "application/json", **canned.headers}
                else:
                    status, answer_headers, answer = raw_request(
                        self.command, proxy.upstream + self.path, headers, body
                    )
                self.send_response(status)
                for name, value in answer_headers.items():
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # the test reads `requests`, not a log

        return Handler


def raw_request(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
    *,
    key_only: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    """One plain HTTP exchange with stripe-mock (stdlib only)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        if key_only:
            headers = {"Authorization": f"Bearer {TEST_SECRET_KEY}"}
        forwarded = {
            k: v
            for k, v in headers.items()
            if k.lower() not in {"host", "connection", "content-length"}
        }
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=forwarded)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
