"""Expenses racing for the last funds on PostgreSQL: the journal row lock lets exactly as many
through as the money covers, and the rest get 409, never a 500 or a negative balance."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from tests.integration.ledger.ledger_support import Ledger, png_bytes, post_expense

RACERS = 8


def test_racing_expenses_never_spend_more_than_is_there(
    make_ledger: Callable[..., Ledger], postgres_url: str
) -> None:
    ledger = make_ledger(postgres_url)
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    start = threading.Barrier(RACERS)
    statuses: list[int] = []
    lock = threading.Lock()

    def race(index: int) -> None:
        receipt = png_bytes(
            ("red", "green", "blue", "white", "black", "yellow", "cyan", "magenta")[index]
        )
        start.wait(timeout=30)
        response = post_expense(ledger, campaign_id, token, amount="3000", receipt=receipt)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert Counter(statuses) == {201: 3, 409: RACERS - 3}
    balance = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/balance").json
    assert (balance["spent"], balance["available"]) == (9_000, 1_000)
    entries = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/entries").json["entries"]
    assert [e["seq"] for e in entries] == [0, 1, 2, 3]
    # A refused racer was refused before its receipt was stored.
    assert ledger.counts()["receipt files"] == 3
