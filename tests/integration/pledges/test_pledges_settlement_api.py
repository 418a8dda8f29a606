"""Settlement on SQLite and PostgreSQL: after the deadline, over HTTP or with `fundtrail settle`,
pledges are collected or released exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from services.cli import main as fundtrail_cli
from tests.integration.pledges.helpers import (
    API,
    Account,
    MovableClock,
    assert_problem,
    draft_campaign,
    live_campaign,
    new_account,
    outbox_events,
    pledge,
    settle,
    snapshot,
)

pytestmark = pytest.mark.both_databases

UNKNOWN = "7f7f7f7f-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("funding_model", "amounts", "status", "pledge_status", "pledge_event"),
    [
        ("all_or_nothing", [6_000, 4_000], "succeeded", "collected", "pledge.collected"),
        ("all_or_nothing", [6_000, 3_999], "failed", "released", "pledge.released"),
        ("flexible", [1_000], "succeeded", "collected", "pledge.collected"),
    ],
    ids=["goal-reached", "goal-missed", "flexible-below-goal"],
)
def test_settling_after_the_deadline_collects_or_releases_every_active_pledge(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    clock: MovableClock,
    funding_model: str,
    amounts: list[int],
    status: str,
    pledge_status: str,
    pledge_event: str,
) -> None:
    campaign = live_campaign(
        client, creator, goal_amount=10_000, funding_model=funding_model, tiers=[]
    )
    backers = [new_account(app, "backer") for _ in amounts]
    made = [pledge(client, campaign, b, a) for b, a in zip(backers, amounts, strict=True)]
    withdrawn_by = new_account(app, "backer")
    withdrawn = pledge(client, campaign, withdrawn_by, 50_000)
    client.post(f"{API}/pledges/{withdrawn['id']}/cancel", headers=withdrawn_by.headers)
    clock.travel(days=31)

    settled = settle(client, campaign, creator)

    assert settled["status"] == status and settled["ended_at"]
    assert (settled["pledged_amount"], settled["backers_count"]) == (sum(amounts), len(amounts))
    for backer, p in zip(backers, made, strict=True):
        assert client.get(f"{API}/pledges/{p['id']}", headers=backer.headers).json["status"] == (
            pledge_status
        )
    assert (
        client.get(f"{API}/pledges/{withdrawn['id']}", headers=withdrawn_by.headers).json["status"]
        == "cancelled"
    )
    events = outbox_events(app, campaign["id"])
    tail = events[-(len(amounts) + 1) :]
    assert [e.type for e in tail] == [f"campaign.{status}"] + [pledge_event] * len(amounts)
    assert tail[0].payload["pledged_amount"] == sum(amounts)
    assert [str(e.payload["pledge_id"]) for e in tail[1:]] == [p["id"] for p in made]
    assert [e.payload["amount"] for e in tail[1:]] == amounts
    assert all(e.payload["payment_reference"].startswith("record-only:") for e in tail[1:])


def test_settling_twice_changes_nothing_more(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
) -> None:
    campaign = live_campaign(client, creator)
    pledge(client, campaign, backer, 5_000)
    clock.travel(days=31)
    first = settle(client, campaign, creator)
    before = snapshot(app)
    again = settle(client, campaign, creator)
    assert again == first
    assert snapshot(app) == before


def test_settling_before_the_deadline_is_a_conflict(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    pledge(client, campaign, backer, 5_000)
    before = snapshot(app)
    response = client.post(f"{API}/campaigns/{campaign['id']}/settle", headers=creator.headers)
    assert_problem(response, 409)
    assert "deadline" in response.json["detail"]
    assert snapshot(app) == before


def test_a_draft_or_cancelled_campaign_cannot_be_settled(
    app: flask.Flask, client: FlaskClient, creator: Account, clock: MovableClock
) -> None:
    draft = draft_campaign(client, creator)
    cancelled = live_campaign(client, creator)
    client.post(f"{API}/campaigns/{cancelled['id']}/cancel", headers=creator.headers)
    clock.travel(days=31)
    before = snapshot(app)
    for campaign in (draft, cancelled):
        assert_problem(
            client.post(f"{API}/campaigns/{campaign['id']}/settle", headers=creator.headers), 409
        )
    assert snapshot(app) == before


def test_an_admin_may_settle_but_nobody_else_but_the_creator(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
) -> None:
    campaign = live_campaign(client, creator)
    pledge(client, campaign, backer, 5_000)
    other_creator, auditor, admin = (new_account(app, r) for r in ("creator", "auditor", "admin"))
    clock.travel(days=31)
    before = snapshot(app)
    path = f"{API}/campaigns/{campaign['id']}/settle"
    for stranger in (other_creator, backer, auditor):
        assert_problem(client.post(path, headers=stranger.headers), 403)
    assert_problem(client.post(path), 401)
    assert_problem(client.post(f"{API}/campaigns/{UNKNOWN}/settle", headers=admin.headers), 404)
    assert snapshot(app) == before
    assert settle(client, campaign, admin)["status"] == "failed"


# --- fundtrail settle -------------------------------------------------------------------------


def _cli_env(app: flask.Flask, tmp_path: Path) -> dict[str, str]:
    settings = app.extensions["fundtrail"].settings
    return {
        "PLEDGES_DATABASE_URL": settings.database_url,
        "FUNDTRAIL_VAR_DIR": str(tmp_path),
        "FUNDTRAIL_LOG_FORMAT": "json",
    }


def test_fundtrail_settle_settles_every_due_campaign_and_only_those(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
    tmp_path: Path,
) -> None:
    # Made two days ago (by the app's clock) with deadlines that have passed by now.
    clock.travel(days=-2)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    due_succeeds = live_campaign(client, creator, goal_amount=5_000, deadline=past)
    due_fails = live_campaign(client, creator, goal_amount=5_000, deadline=past)
    stale_draft = draft_campaign(client, creator, deadline=past)
    pledge(client, due_succeeds, backer, 5_000)
    pledge(client, due_fails, backer, 4_999)
    clock.travel(days=2)
    not_due = live_campaign(client, creator)
    pledge(client, not_due, backer, 5_000)

    result = CliRunner().invoke(fundtrail_cli, ["settle"], env=_cli_env(app, tmp_path))

    assert result.exit_code == 0, result.output
    assert "Settled 2 campaign(s)." in result.output
    statuses = {
        # As their creator sees them: a draft is shown to nobody else.
        c["id"]: client.get(f"{API}/campaigns/{c['id']}", headers=creator.headers).json["status"]
        for c in (due_succeeds, due_fails, stale_draft, not_due)
    }
    assert statuses == {
        due_succeeds["id"]: "succeeded",
        due_fails["id"]: "failed",
        stale_draft["id"]: "draft",
        not_due["id"]: "live",
    }
    before = snapshot(app)
    again = CliRunner().invoke(fundtrail_cli, ["settle"], env=_cli_env(app, tmp_path))
    assert "Settled 0 campaign(s)." in again.output
    assert snapshot(app) == before


def test_fundtrail_settle_every_keeps_settling_until_stopped(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account, tmp_path: Path
) -> None:
    settler = subprocess.Popen(
        [sys.executable, "-m", "services", "settle", "--every", "1"],
        env={**os.environ, **_cli_env(app, tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # The campaign falls due while the settler is already running.
        soon = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
        campaign = live_campaign(client, creator, goal_amount=5_000, deadline=soon)
        pledge(client, campaign, backer, 6_000)
        deadline = time.monotonic() + 30
        status = "live"
        while status == "live" and time.monotonic() < deadline:
            time.sleep(0.3)
            status = client.get(f"{API}/campaigns/{campaign['id']}").json["status"]
        assert status == "succeeded"
    finally:
        settler.terminate()
        output, _ = settler.communicate(timeout=30)
    assert settler.returncode == 0, output
    assert b"settler.stopped" in output
