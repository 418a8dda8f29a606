"""What the services accept (a receipt's size, an update's request) and whether money moves,
as they publish it: asked once and kept a while per process, so the site holds no copy of their
settings; while a service does not answer, its default stands in (asked again sooner)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import flask

from services.site.clients import ApiError, Services, ServiceUnavailable
from shared.logging import get_logger

log = get_logger(__name__)

#: How long a published limit is kept before asking again (a service's settings change only
#: when it restarts), and how soon to ask again after a service did not answer.
TTL_SECONDS = 300.0
RETRY_SECONDS = 30.0
#: Whether money moves is asked again sooner: the banner must not outlive a switch to real
#: payments (or back) by long.
PAYMENTS_TTL_SECONDS = 60.0
#: The services' defaults (LEDGER_RECEIPT_MAX_BYTES, the updates service's MAX_REQUEST_BYTES),
#: for a service that does not answer: the service still judges what reaches it.
DEFAULT_RECEIPT_MAX = 10 * 1024 * 1024
DEFAULT_UPDATE_REQUEST_MAX = 256 * 1024
#: Room for an expense form's other fields beside its receipt.
_FORM_ROOM = 1024 * 1024


class PublishedLimits:
    """The services' published limits, cached per process (thread-safe)."""

    def __init__(self, services: Services, clock: Callable[[], float] = time.monotonic) -> None:
        self._services = services
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[float, dict[str, Any]]] = {}

    def receipt_upload_max(self) -> int:
        """The largest expense form the site takes: the ledger's receipt limit and room for the
        other fields. Past it the site answers 413 itself; below it the ledger judges."""
        found = self._published("ledger", self._services.ledger.limits)
        return _positive(found.get("receipt_max_bytes"), DEFAULT_RECEIPT_MAX) + _FORM_ROOM

    def update_form_max(self) -> int:
        """The largest update form the site takes: the updates service's own request limit (a
        full-length body in any script fits, form-encoded)."""
        found = self._published("updates", self._services.updates.limits)
        return _positive(found.get("max_request_bytes"), DEFAULT_UPDATE_REQUEST_MAX)

    def money_moves(self) -> bool:
        """Whether the pledges service charges real money. Only its plain "yes" counts: an
        unanswered or odd answer reads as test mode, the state of every installation without a
        payment provider, so the site never claims money moves when it cannot tell."""
        found = self._published(
            "pledges.payments", self._services.pledges.payments, PAYMENTS_TTL_SECONDS
        )
        return found.get("moves_money") is True

    def verifier_path(self) -> str | None:
        """Where the ledger serves its verifier wheel (a path on the ledger), None while it
        does not say (an older ledger, or one that is down)."""
        path = self._published("ledger.verifier", self._services.ledger.verifier).get("path")
        return path if isinstance(path, str) and path.startswith("/verifier/") else None

    def _published(
        self, service: str, ask: Callable[[], dict[str, Any]], ttl: float = TTL_SECONDS
    ) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            kept = self._kept.get(service)
            if kept is not None and kept[0] > now:
                return kept[1]
        try:
            found, keep_for = ask(), ttl
        except (ApiError, ServiceUnavailable) as exc:
            # An older service without the endpoint (404) or one that is down: its defaults.
            log.warning("site.limits_unavailable", service=service, error=type(exc).__name__)
            found, keep_for = {}, RETRY_SECONDS
        if not isinstance(found, dict):
            found = {}
        with self._lock:
            self._kept[service] = (now + keep_for, found)
        return found


def _positive(value: object, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return default


def published() -> PublishedLimits:
    found: PublishedLimits = flask.current_app.extensions["site.limits"]
    return found
