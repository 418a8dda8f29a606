"""After settlement the creator's console lists the pledges whose payment failed (why, until
when the backer may fix it) and those dropped (when), with how much is still owed."""

from __future__ import annotations

import dataclasses
import uuid

from services.pledges import commands, handlers
from tests.factories import bearer
from tests.integration.site.site_support import Stack
from tests.payment_gateways import PendingGateway


def test_the_console_lists_failed_and_dropped_pledges_and_what_is_still_owed(
    stack: Stack,
) -> None:
    pledges = stack.apps["pledges"]
    pledges.extensions["fundtrail"] = dataclasses.replace(
        pledges.extensions["fundtrail"], payment_gateway=PendingGateway
    )
    dependencies = pledges.extensions["fundtrail"]
    _, creator = stack.account("creator")
    campaign = stack.campaign(creator, title="Cider press", funding_model="flexible")
    made = {}
    for amount in (2_500, 4_000, 1_000):
        backer_id, backer = stack.account("backer")
        answer = stack.pledges.post(
            f"/api/v1/campaigns/{campaign['id']}/pledges",
            json={"amount": amount},
            headers=bearer(backer),
        )
        assert answer.status_code == 201, answer.get_json()
        made[amount] = (uuid.UUID(answer.get_json()["id"]), backer_id)
    stack.clock.travel(days=400)
    settled = stack.pledges.post(
        f"/api/v1/campaigns/{campaign['id']}/settle", headers=bearer(creator)
    )
    assert settled.status_code == 200, settled.get_json()

    def fail(amount: int, code: str) -> None:
        pledge_id, backer_id = made[amount]
        asked = handlers.pledge_for(pledge_id, backer_id, dependencies.uow_factory())
        assert asked.payment_reference is not None
        handlers.collection_failed(
            commands.CollectionFailed(pledge_id, asked.payment_reference, code),
            dependencies.uow_factory(),
            dependencies.clock,
        )

    fail(2_500, "expired_card")
    stack.clock.travel(days=8)
    assert len(handlers.drop_unpaid(dependencies.uow_factory, dependencies.clock)) == 1
    fail(4_000, "insufficient_funds")

    page = stack.site_client(creator).get(f"/console/campaigns/{campaign['id']}")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<h2 id="unpaid-heading">Unpaid pledges</h2>' in text
    assert "<dt>Still owed</dt><dd>€40.00 (1 pledge)</dd>" in text
    assert "<dt>Dropped</dt><dd>€25.00 (1 pledge)</dd>" in text
    failed = text.split("<h3>Payment failed</h3>")[1].split("</table>")[0]
    assert "€40.00" in failed and "The card did not have enough funds" in failed
    assert " UTC</td>" in failed  # until when the backer may fix it
    dropped = text.split("<h3>Dropped</h3>")[1].split("</table>")[0]
    assert "€25.00" in dropped and "The card has expired" in dropped and " UTC</td>" in dropped
    # The paid pledge is not among them, and no code or e-mail is shown.
    assert "€10.00" not in failed + dropped
    assert "insufficient_funds" not in text and "@" not in failed + dropped
