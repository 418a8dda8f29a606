"""One token revoked: pledges refuses it at once, ledger and updates once they hear of it, and
the account's other tokens keep working everywhere."""

from __future__ import annotations

import pytest

from services.pledges import commands, handlers
from tests.e2e.conftest import Fundtrail, eventually
from tests.factories import bearer

pytestmark = pytest.mark.kafka


def test_a_revoked_token_is_refused_everywhere_and_its_siblings_are_not(
    fundtrail: Fundtrail,
) -> None:
    pledges = fundtrail.client("pledges")
    deps = fundtrail.apps["pledges"].extensions["fundtrail"]
    admin = handlers.create_account(
        commands.CreateAccount(role="admin", name="Root"), deps.uow_factory(), deps.token_issuer
    ).token
    account = pledges.post(
        "/api/v1/accounts", json={"role": "backer", "name": "Bea"}, headers=bearer(admin)
    ).json
    kept = account["token"]
    doomed = pledges.post(
        f"/api/v1/accounts/{account['id']}/tokens", json={}, headers=bearer(admin)
    ).json
    for service in ("pledges", "ledger", "updates"):
        me = fundtrail.client(service).get("/api/v1/me", headers=bearer(doomed["token"]))
        # Every service knows whose token it is; pledges, which owns accounts, tells more.
        assert whose(me.json) == {"account_id": account["id"], "role": "backer"}

    revoked = pledges.post(
        f"/api/v1/tokens/{doomed['token_id']}/revoke",
        json={"reason": "phone stolen"},
        headers=bearer(kept),
    )
    assert revoked.status_code == 200, revoked.json

    # The issuer refuses it at once, before any event travels.
    at_once = pledges.get("/api/v1/me", headers=bearer(doomed["token"]))
    assert at_once.status_code == 401 and "token has been revoked" in at_once.json["detail"]
    for service in ("ledger", "updates"):
        refused = eventually(
            lambda service=service: (
                fundtrail.client(service)
                .get("/api/v1/me", headers=bearer(doomed["token"]))
                .json.get("detail")
            )
        )
        assert "token has been revoked" in refused
    for service in ("pledges", "ledger", "updates"):
        me = fundtrail.client(service).get("/api/v1/me", headers=bearer(kept))
        # Every service knows whose token it is; pledges, which owns accounts, tells more.
        assert whose(me.json) == {"account_id": account["id"], "role": "backer"}


def whose(me: dict[str, object]) -> dict[str, object]:
    """The account and role a service's GET /me names."""
    return {"account_id": me["account_id"], "role": me["role"]}
