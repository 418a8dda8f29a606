"""Collection's answers in any order, any number of times: the campaign's totals and events
always agree with where its pledges stand (hypothesis drives the orders)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.pledges.domain import (
    DomainError,
    PledgeCollected,
    PledgeDropped,
    PledgePaymentFailed,
    PledgeStatus,
)
from tests.payment_gateways import PendingGateway
from tests.unit.pledges.conftest import GOAL, World

GRACE = timedelta(days=7)

#: (what, which pledge, which of its attempts so far, hours since the last answer)
answers = st.lists(
    st.tuples(
        st.sampled_from(["succeed", "fail", "retry", "drop"]),
        st.integers(0, 1),
        st.integers(0, 3),
        st.integers(0, 100),
    ),
    max_size=25,
)


@settings(database=None, max_examples=200, deadline=None)
@given(steps=answers)
def test_answers_in_any_order_keep_totals_and_events_true(
    new_world: Callable[[], World], steps: list[tuple[str, int, int, int]]
) -> None:
    world = new_world()
    gateway = PendingGateway()
    campaign, pledges = world.backed([GOAL, 3_000])
    now = world.after_deadline
    campaign.settle(pledges, gateway, now=now, actor_id=None)
    campaign.events.clear()

    for what, which, attempt, hours in steps:
        now += timedelta(hours=hours)
        pledge = pledges[which]
        asked = [r for r in gateway.requests if r.pledge_id == pledge.id]
        reference = asked[attempt % len(asked)].reference
        was_collected = pledge.status is PledgeStatus.COLLECTED
        try:
            if what == "succeed":
                campaign.collection_succeeded(pledge, reference, now=now, fee_amount=10)
            elif what == "fail":
                campaign.collection_failed(
                    pledge, reference, "card_declined", now=now, retry_until=now + GRACE
                )
            elif what == "retry":
                campaign.retry_collection(pledge, gateway, now=now)
            else:
                campaign.drop_pledge(pledge, now=now)
        except DomainError:
            assert what == "retry"  # only a retry may be refused: late, or nothing failed
        if was_collected:
            assert pledge.status is PledgeStatus.COLLECTED  # money that arrived stays

        counting = [p for p in pledges if p.status is not PledgeStatus.DROPPED]
        assert campaign.pledged_amount == sum(p.amount for p in counting)
        assert campaign.backers_count == len(counting)
        for p in pledges:
            kinds = Counter(
                type(e) for e in campaign.events if getattr(e, "pledge_id", None) == p.id
            )
            assert kinds[PledgeCollected] == (1 if p.status is PledgeStatus.COLLECTED else 0)
            assert kinds[PledgeDropped] >= (1 if p.status is PledgeStatus.DROPPED else 0)
            assert kinds[PledgePaymentFailed] >= (
                1 if p.status is PledgeStatus.PAYMENT_FAILED else 0
            )
            if p.status is PledgeStatus.PAYMENT_FAILED:
                assert p.payment_retry_until is not None
