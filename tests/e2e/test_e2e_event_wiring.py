"""The thin slice: a campaign drafted in pledges reaches ledger and updates through Kafka."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Fundtrail, eventually
from tests.factories import bearer, campaign_body, create_account

pytestmark = [pytest.mark.kafka, pytest.mark.both_databases]


def test_a_campaign_travels_to_the_ledger_and_the_updates_service_and_they_follow_it(
    fundtrail: Fundtrail,
) -> None:
    _, creator = create_account(fundtrail.apps["pledges"], "creator")
    pledges = fundtrail.client("pledges")
    created = pledges.post(
        "/api/v1/campaigns",
        json=campaign_body(currency="JPY", goal_amount=900_000),
        headers=bearer(creator),
    )
    assert created.status_code == 201
    campaign = created.json
    path = f"/api/v1/campaigns/{campaign['id']}"
    # A draft is its creator's business: the other services show it to nobody until launch.
    launched = pledges.post(f"{path}/launch", headers=bearer(creator))
    assert launched.status_code == 200, launched.json

    def seen_live(service: str) -> dict[str, object] | None:
        response = fundtrail.client(service).get(path)
        if response.status_code == 200 and response.json["status"] == "live":
            return response.json  # type: ignore[no-any-return]
        return None

    in_ledger = eventually(lambda: seen_live("ledger"))
    assert in_ledger["title"] == campaign["title"]
    assert in_ledger["currency"] == "JPY" and in_ledger["goal_amount"] == 900_000
    assert in_ledger["creator_id"] == campaign["creator_id"]
    assert in_ledger["budget"] == campaign["budget"]

    in_updates = eventually(lambda: seen_live("updates"))
    assert in_updates["title"] == campaign["title"]


def test_a_revoked_account_is_refused_by_every_service_once_it_hears(
    fundtrail: Fundtrail,
) -> None:
    pledges = fundtrail.client("pledges")
    _, admin = create_account(fundtrail.apps["pledges"], "admin")
    account = pledges.post(
        "/api/v1/accounts", json={"role": "backer", "name": "Bea"}, headers=bearer(admin)
    ).json
    token = account["token"]
    for service in ("ledger", "updates"):
        assert fundtrail.client(service).get("/api/v1/me", headers=bearer(token)).status_code == 200

    assert (
        pledges.post(
            f"/api/v1/accounts/{account['id']}/revoke",
            json={"reason": "stolen"},
            headers=bearer(admin),
        ).status_code
        == 200
    )

    for service in ("ledger", "updates"):
        refused = eventually(
            lambda service=service: (
                fundtrail.client(service)
                .get("/api/v1/me", headers=bearer(token))
                .json.get("detail")
            )
        )
        assert "revoked" in refused
