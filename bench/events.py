"""Realistic events for benchmarks: `campaign.created` envelopes as the pledges service sends."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.events import Envelope, encode, new_envelope

CAMPAIGN_CREATED = "campaign.created"

_WORDS = (
    ("community", "garden", "solar", "roof", "library", "repair", "cafe", "workshop", "tools")
    + ("seeds", "rainwater", "pump", "school", "bicycles", "orchard", "bakery", "oven", "mural")
    + ("theatre", "stage", "lights", "archive", "kiln", "studio", "courtyard")
)
_TOWNS = ("Ghent", "Porto", "Tartu", "Lyon", "Graz", "Aarhus", "Bologna", "Cork")
_CATEGORIES = ("materials", "labour", "equipment", "shipping", "fees")
_TIERS = (("Supporter", 1_000, None), ("Friend", 5_000, 200), ("Patron", 25_000, 20))


@dataclass(frozen=True)
class Message:
    """One event encoded once, as an outbox row holds it and Kafka carries it."""

    event_id: uuid.UUID
    key: str
    value: bytes
    occurred_at: datetime


def campaign_created(rng: random.Random) -> Envelope:
    """A new campaign with three tiers, a five-line budget and three paragraphs of prose."""

    def words(count: int) -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(count))

    goal = rng.randrange(200_000, 5_000_000, 100)
    bounds = [0, *sorted(rng.sample(range(1, 100), len(_CATEGORIES) - 1)), 100]
    campaign_id = uuid.uuid4()
    payload = {
        "campaign_id": campaign_id,
        "creator_id": uuid.uuid4(),
        "title": f"{words(3).capitalize()} for {rng.choice(_TOWNS)}",
        "description": "\n\n".join(f"{words(rng.randint(20, 35)).capitalize()}." for _ in range(3)),
        "goal_amount": goal,
        "currency": "EUR",
        "deadline": datetime.now(UTC) + timedelta(days=rng.randint(14, 60)),
        "funding_model": rng.choice(("all_or_nothing", "flexible")),
        "status": "draft",
        "tiers": [
            {"tier_id": uuid.uuid4(), "name": name, "min_amount": amount, "limit": limit}
            for name, amount, limit in _TIERS
        ],
        "budget": [
            {"category": category, "amount": goal * (high - low) // 100}
            for category, low, high in zip(_CATEGORIES, bounds, bounds[1:], strict=False)
        ],
    }
    return new_envelope(CAMPAIGN_CREATED, payload, producer="pledges", campaign_id=campaign_id)


def campaign_events(count: int) -> tuple[list[Envelope], list[Message]]:
    """`count` new campaigns, each with its own id (so keys spread over the partitions)."""
    rng = random.Random(2)  # the same prose every run, so payload sizes stay comparable
    envelopes = [campaign_created(rng) for _ in range(count)]
    messages = [Message(e.event_id, e.key, encode(e), e.occurred_at) for e in envelopes]
    return envelopes, messages
