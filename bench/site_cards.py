"""Share cards through the site: what the first request for a card costs (drawn with Pillow),
what every later one costs (read from the disk cache), and the bytes of each format, next to a
baseline measured in the same run: a static file of the same size served by the same app.

The services are stood in for by clients answering from memory, so only the site's own work is
timed; with the real services each card request adds their three reads (campaign, balance,
checkpoint), which every page of the site pays too.

    python -m bench site_cards --requests 2000
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import click
import flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw, ImageFilter

from bench.common import machine_description, write_results
from services.site.app import create_app
from services.site.clients import LedgerClient, PledgesClient, Services, UpdatesClient
from services.site.settings import SiteSettings

NAME = "site_cards"
ROUNDS = 5
CHECKPOINT = "fundtrail.local/campaigns/x\n12\nAAAA\n\n— fundtrail.local sig\n"


def photo_like_cover() -> bytes:
    """A 1200×800 JPEG with a photo's texture (gradients, shapes, grain): flat colour would
    flatter PNG, which no real cover does."""
    picture = Image.linear_gradient("L").resize((1200, 800)).convert("RGB")
    pen = ImageDraw.Draw(picture)
    for i in range(40):
        box = (i * 29 % 1100, i * 53 % 700, i * 29 % 1100 + 160, i * 53 % 700 + 120)
        pen.ellipse(box, fill=(i * 37 % 255, i * 71 % 255, i * 13 % 255))
    noise = Image.effect_noise((1200, 800), 40).convert("RGB")
    picture = Image.blend(picture.filter(ImageFilter.GaussianBlur(3)), noise, 0.25)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


class MemoryPledges(PledgesClient):
    def __init__(self, cover: bytes) -> None:
        self.cover = cover
        self.with_cover: set[str] = set()

    def campaign(self, campaign_id: object, *, token: str | None = None) -> dict[str, Any]:
        cover = (
            {"sha256": "c" * 64, "sizes": [1200]} if str(campaign_id) in self.with_cover else None
        )
        return {
            "id": str(campaign_id),
            "title": f"Kopi Susu Gula Aren: an album {str(campaign_id)[:8]}",
            "status": "live",
            "currency": "EUR",
            "pledged_amount": 123_456,
            "goal_amount": 500_000,
            "funded_percent": 24,
            "cover": cover,
        }

    def cover_image(self, sha256: str, width: int) -> bytes:
        return self.cover


class MemoryLedger(LedgerClient):
    def __init__(self) -> None:
        pass

    def balance(self, campaign_id: object) -> dict[str, Any] | None:
        return {"currency": "EUR", "spent": 30_000}

    def checkpoint(self, campaign_id: object) -> str | None:
        return CHECKPOINT


def site(folder: Path, pledges: MemoryPledges) -> flask.Flask:
    settings = SiteSettings.load({"var_dir": folder, "secret_key": b"bench" * 8})
    app = create_app({"TESTING": True}, settings=settings)
    app.extensions["site.services"] = Services(
        pledges, MemoryLedger(), UpdatesClient.__new__(UpdatesClient)
    )
    # The baseline: a file of the card's size, served by the same app (conditional, like it).
    app.add_url_rule(
        "/bench-static/<name>",
        "bench_static",
        lambda name: flask.send_from_directory(folder, name),
    )
    return app


def per_second(client: FlaskClient, path: str, count: int, **headers: str) -> float:
    started = time.perf_counter()
    for _ in range(count):
        # Closed at once: a static file's answer holds the file open until then.
        with client.get(path, headers=headers) as response:
            assert response.status_code in (200, 304), response.status_code
    return count / (time.perf_counter() - started)


@click.command(name=NAME)
@click.option("--requests", "count", type=int, default=2000, show_default=True)
@click.option("--cold", type=int, default=10, show_default=True, help="Cards drawn cold")
def command(count: int, cold: int) -> None:
    """Share cards: cold drawing, warm (cached) requests/s, a static file as the baseline."""
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cards-") as folder:
        pledges = MemoryPledges(photo_like_cover())
        app = site(Path(folder), pledges)
        client = app.test_client()
        for kind, suffix, covered in (
            ("png, no cover", "png", False),
            ("jpeg, no cover", "jpg", False),
            ("png, cover", "png", True),
            ("jpeg, cover", "jpg", True),
        ):
            ids = [str(uuid.uuid4()) for _ in range(cold)]
            if covered:
                pledges.with_cover.update(ids)
            times, sizes = [], []
            for campaign_id in ids:
                started = time.perf_counter()
                response = client.get(f"/campaigns/{campaign_id}/card.{suffix}")
                times.append(time.perf_counter() - started)
                sizes.append(len(response.data))
            path = f"/campaigns/{ids[0]}/card.{suffix}"
            etag = client.get(path).headers["ETag"]
            static = Path(folder) / f"static-{covered}.{suffix}"
            static.write_bytes(client.get(path).data)
            targets = {
                "warm_per_second": ({}, path),
                "revalidated_304_per_second": ({"If-None-Match": etag}, path),
                "static_file_per_second": ({}, f"/bench-static/{static.name}"),
            }
            # Rounds interleave the three, so the machine's load drifts over all of them alike.
            rates: dict[str, list[float]] = {name: [] for name in targets}
            for _ in range(ROUNDS):
                for name, (headers, target) in targets.items():
                    rates[name].append(per_second(client, target, count // ROUNDS, **headers))
            rows[kind] = {
                "cold_ms_median": statistics.median(times) * 1000,
                "bytes": statistics.median(sizes),
                **{name: statistics.median(found) for name, found in rates.items()},
            }
            row = rows[kind]
            click.echo(
                f"{kind:15} cold {row['cold_ms_median']:7.1f} ms  {row['bytes'] / 1024:7.1f} KiB  "
                f"warm {row['warm_per_second']:7.0f}/s  "
                f"304 {row['revalidated_304_per_second']:7.0f}/s  "
                f"static file {row['static_file_per_second']:7.0f}/s"
            )
    document = {
        "machine": machine_description(None, Path(tempfile.gettempdir())),
        "requests": count,
        "cold_cards": cold,
        "rows": rows,
    }
    click.echo(f"results: {write_results(NAME, document)}")
