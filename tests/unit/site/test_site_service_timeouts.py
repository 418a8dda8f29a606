"""How long the site waits for a service: a read gets the short, configured timeout; publishing
a report, which the ledger prints in every language before it answers, gets longer."""

from __future__ import annotations

from typing import Any

import requests

from services.site.clients.ledger import PUBLISHING_TIMEOUT, LedgerClient


class RecordingSession(requests.Session):
    """Answers every request at once with `{}`, keeping the timeout each was sent with."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[float] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        self.timeouts.append(kwargs["timeout"])
        answer = requests.Response()
        answer.status_code, answer._content = 200, b"{}"
        return answer


def test_publishing_a_report_waits_longer_than_a_read() -> None:
    session = RecordingSession()
    ledger = LedgerClient("ledger", "http://ledger.invalid", session, timeout=5.0)

    ledger.balance("c1")
    ledger.publish_report("c1", token="t")

    assert session.timeouts == [5.0, PUBLISHING_TIMEOUT]
    assert PUBLISHING_TIMEOUT >= 30
