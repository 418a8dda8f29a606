"""The site renders the services' decisions rather than its own copies of their rules: when
expenses may be logged, what may be reversed, how large a receipt may be."""

from __future__ import annotations

import dataclasses
import html
import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.factories import bearer
from tests.integration.ledger.ledger_support import pdf_bytes
from tests.integration.site.site_support import Stack, confirm, csrf_of
from tests.integration.site.test_site_console_edits import _expense


def test_a_live_flexible_campaign_with_no_money_collected_offers_no_expense_form(
    stack: Stack,
) -> None:
    # Pledged but not yet collected: the ledger holds no money, so it says no expense now
    # (the site's own rule said yes, and the ledger then refused the expense).
    _, creator = stack.account("creator")
    _, backer = stack.account("backer")
    campaign = stack.campaign(creator, title="Cider press", funding_model="flexible")
    pledged = stack.pledges.post(
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        json={"amount": 5_000},
        headers=bearer(backer),
    )
    assert pledged.status_code == 201
    stack.relay()
    assert stack.balance(campaign["id"])["can_log_expenses"] is False
    client = stack.site_client(creator)

    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    console = client.get(f"/console/campaigns/{campaign['id']}").get_data(as_text=True)
    form = client.get(f"/console/campaigns/{campaign['id']}/expenses/new")

    assert "Log expense" not in page and "Log expense" not in console
    assert form.status_code == 403
    assert "Expenses are logged once the campaign has money to spend." in form.get_data(
        as_text=True
    )


def test_a_re_instated_expense_is_reversed_through_its_latest_link_as_the_ledger_says(
    stack: Stack,
) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    seq = _expense(stack, client, campaign_id)
    ledger = stack.apps["ledger"].test_client()
    for target in (seq, seq + 1):  # reversed, then the reversal reversed: in force again
        done = ledger.post(
            f"/api/v1/campaigns/{campaign_id}/entries/{target}/reverse",
            json={"reason": "Changed my mind"},
            headers=bearer(creator),
        )
        assert done.status_code == 201, done.get_json()
    stack.relay()
    path = f"/console/campaigns/{campaign_id}/expenses"

    text = html.unescape(client.get(path).get_data(as_text=True))

    assert f"reversed by entry {seq + 1}, re-instated by entry {seq + 2}" in text
    assert f'action="{path}/{seq + 2}/reverse"' in text
    assert f'action="{path}/{seq}/reverse"' not in text
    assert text.count(">Reverse</button>") == 1
    asked = client.post(
        f"{path}/{seq + 2}/reverse", data={"csrf_token": csrf_of(text), "reason": "Final"}
    )
    question = html.unescape(asked.get_data(as_text=True))
    assert f"<h1>Reverse expense {seq}?</h1>" in question  # the expense, by its latest link
    reversed_ = confirm(client, question)
    assert reversed_.status_code == 302
    stack.relay()
    assert stack.balance(campaign_id)["spent"] == 0


def test_a_receipt_past_the_limit_the_ledger_publishes_is_refused_by_the_site(
    stack: Stack,
) -> None:
    ledger = stack.apps["ledger"]
    dependencies = ledger.extensions["fundtrail"]
    ledger.extensions["fundtrail"] = dataclasses.replace(
        dependencies,
        ledger_settings=dataclasses.replace(dependencies.ledger_settings, receipt_max_bytes=4096),
    )
    campaign_id, client, _ = stack.funded_campaign()
    path = f"/console/campaigns/{campaign_id}/expenses/new"
    data = {
        "csrf_token": csrf_of(client.get(path).get_data(as_text=True)),
        "amount": "20.00",
        "category": "Materials",
        "description": "Oak staves",
        "vendor": "Cooper & Sons",
        "incurred_on": "2026-01-15",
        # Past the ledger's 4 KiB and the room the site leaves for the other fields.
        "receipt": FileStorage(
            io.BytesIO(pdf_bytes() + b"%" * (2 * 1024 * 1024)), "invoice.pdf", "receipt"
        ),
    }

    # Encoded here, in memory: werkzeug's test client would spool a body this large to a
    # temporary file that nobody closes when the site refuses it unread.
    boundary, body = encode_multipart(data)

    refused = client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")

    assert refused.status_code == 413
    assert "Too large" in refused.get_data(as_text=True)
    assert stack.balance(campaign_id)["spent"] == 0
