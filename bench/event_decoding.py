"""What a consumer pays to turn message bytes into a typed event, without Kafka or a database.

Next to the floor in the same run, plain `json.loads` of the same bytes (what no validation at
all costs), for two event shapes: `campaign.created` (tiers, budget, prose; what kafka_plumbing
sends) and `pledge.collected` (flat, what a settlement burst carries):

    python -m bench event_decoding --events 5000
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import click

from bench.common import write_results
from bench.events import campaign_events
from shared.events import decode, encode, new_envelope, to_event
from shared.events.compiled import fast_decode

NAME = "event_decoding"


def pledge_collected_messages(count: int) -> list[bytes]:
    rng = random.Random(3)
    return [
        encode(
            new_envelope(
                "pledge.collected",
                {
                    "campaign_id": uuid.uuid4(),
                    "pledge_id": uuid.uuid4(),
                    "backer_id": uuid.uuid4(),
                    "amount": rng.randrange(100, 100_000),
                    "currency": "EUR",
                    "tier_id": None,
                    "payment_reference": f"ch_{rng.getrandbits(64):x}",
                    "fee_amount": rng.randrange(0, 300),
                },
                producer="pledges",
                campaign_id=uuid.uuid4(),
                occurred_at=datetime.now(UTC),
            )
        )
        for _ in range(count)
    ]


def _per_event_us(run: Callable[[bytes], object], values: list[bytes], repeats: int) -> float:
    """The median over `repeats` runs of µs per event."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for value in values:
            run(value)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / len(values) * 1e6


@click.command(help="Decoding cost per event: marshmallow, compiled, and json.loads alone.")
@click.option("--events", default=5_000, show_default=True, type=click.IntRange(min=1))
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(min=1))
def command(events: int, repeats: int) -> None:
    shapes = {
        "campaign.created": [m.value for m in campaign_events(events)[1]],
        "pledge.collected": pledge_collected_messages(events),
    }
    load = os.getloadavg()[0]
    click.echo(f"{os.cpu_count()} CPUs, load average {load:.2f}, {events} events")
    results = []
    for shape, values in shapes.items():
        # The decoders must agree before their speed means anything (the smoke test's count).
        assert all(to_event(fast_decode(v)) == to_event(decode(v)) for v in values)
        floor = _per_event_us(json.loads, values, repeats)
        before = _per_event_us(lambda v: to_event(decode(v)), values, repeats)
        after = _per_event_us(lambda v: to_event(fast_decode(v)), values, repeats)
        click.echo(
            f"{shape}: json.loads {floor:.1f} µs | marshmallow decode + to_event {before:.1f} µs"
            f" ({floor / before:.3f}× the floor) | compiled + to_event {after:.1f} µs"
            f" ({floor / after:.3f}× the floor) | {before / after:.1f}× faster"
        )
        results.append(
            {
                "name": shape,
                "events": len(values),
                "json_loads_us": floor,
                "marshmallow_us": before,
                "compiled_us": after,
            }
        )
    settings = {"events": events, "repeats": repeats, "load_average": load}
    write_results(NAME, {"settings": settings, "results": results})
