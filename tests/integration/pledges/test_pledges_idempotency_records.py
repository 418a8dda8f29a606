"""Idempotency keys kept before outcomes were stored as pledges still answer their retries.

Rows written then hold the first answer's body (the pledge as the API showed it); rows written
now hold the pledge itself. A retry is answered the same from either.
"""

from __future__ import annotations

import json

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from services.pledges.adapters.tables import idempotency_keys
from tests.integration.pledges.helpers import API, Account, live_campaign

pytestmark = pytest.mark.both_databases


def test_a_key_kept_as_an_answer_s_body_still_replays_that_answer(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    path = f"{API}/campaigns/{campaign['id']}/pledges"
    headers = {**backer.headers, "Idempotency-Key": "order-old"}
    first = client.post(path, json={"amount": 4_000}, headers=headers)
    assert first.status_code == 201
    engine = app.extensions["fundtrail"].engine
    with engine.begin() as connection:  # as a row written before: the answer's body itself
        connection.execute(
            idempotency_keys.update()
            .where(idempotency_keys.c.key == "order-old")
            .values(body=json.dumps(first.json))
        )
        stored = connection.execute(
            sa.select(idempotency_keys.c.body).where(idempotency_keys.c.key == "order-old")
        ).scalar_one()
    assert "payment_reference" not in json.loads(stored)

    retry = client.post(path, json={"amount": 4_000}, headers=headers)

    assert (retry.status_code, retry.json) == (201, first.json)
    assert retry.headers["Idempotent-Replayed"] == "true"
