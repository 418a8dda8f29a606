"""A campaign's own console page on the real services: its state, figures, actions and pledges,
refunds from the page (checked in the pledges API and, after the workers run, in the ledger),
editing a draft, and every refusal: bad input, someone else's campaign, no CSRF token."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.pledges import commands, handlers
from services.site.clients.pledges import PledgesClient
from tests.factories import bearer
from tests.integration.ledger.ledger_support import pdf_bytes
from tests.integration.pledges.helpers import snapshot
from tests.integration.site.site_support import (
    Stack,
    confirm,
    confirmation_of,
    csrf_of,
    error_in_focus,
)


def _backer(stack: Stack, name: str) -> str:
    """A backer with a name and an e-mail address (which the creator must never see)."""
    dependencies = stack.apps["pledges"].extensions["fundtrail"]
    new = handlers.create_account(
        commands.CreateAccount(role="backer", name=name, email=f"{name.lower()}@example.org"),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    stack.relay()
    return new.token


def _pledge(stack: Stack, campaign_id: str, backer: str, amount: int) -> dict[str, Any]:
    made = stack.pledges.post(
        f"/api/v1/campaigns/{campaign_id}/pledges", json={"amount": amount}, headers=bearer(backer)
    )
    assert made.status_code == 201, made.get_json()
    found: dict[str, Any] = made.get_json()
    return found


def _collected(stack: Stack) -> tuple[str, str, str, FlaskClient]:
    """A flexible campaign that succeeded with Ada's €100.00 collected: (campaign id, pledge id,
    the creator's token, the creator's browser)."""
    ada = _backer(stack, "Ada")
    campaign_id, client, creator = stack.funded_campaign(backer=ada, amount=10_000)
    [made] = stack.pledges.get("/api/v1/me/pledges", headers=bearer(ada)).get_json()["pledges"]
    return campaign_id, made["id"], creator, client


def _page_of(client: FlaskClient, campaign_id: str) -> str:
    response = client.get(f"/console/campaigns/{campaign_id}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _refund(
    client: FlaskClient, campaign_id: str, pledge_id: str, csrf: str | None = None, **fields: str
) -> Any:
    """The refund form sent as a person sends it: when it answers with its confirmation page,
    that page's button is pressed too."""
    if csrf is None:
        csrf = csrf_of(client.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True))
    first = client.post(
        f"/console/campaigns/{campaign_id}/pledges/{pledge_id}/refund",
        data={"csrf_token": csrf, **fields},
    )
    page = first.get_data(as_text=True)
    if first.status_code != 200 or 'class="confirm"' not in page:
        return first
    return confirm(client, page)


def _api_pledge(stack: Stack, pledge_id: str, token: str) -> dict[str, Any]:
    found: dict[str, Any] = stack.pledges.get(
        f"/api/v1/pledges/{pledge_id}", headers=bearer(token)
    ).get_json()
    return found


def _error(text: str, element_id: str) -> str:
    found = re.search(rf'<p class="error" id="{re.escape(element_id)}">([^<]*)</p>', text)
    assert found, f"no error {element_id}"
    return found.group(1)


# --- the page -------------------------------------------------------------------------------


def test_the_page_shows_a_collected_campaigns_figures_actions_and_pledges(stack: Stack) -> None:
    campaign_id, pledge_id, _, client = _collected(stack)

    console = html.unescape(client.get("/console").get_data(as_text=True))
    assert f'<a href="/console/campaigns/{campaign_id}">Cider press</a>' in console
    text = _page_of(client, campaign_id)

    assert "<h1>Cider press</h1>" in text and "<strong>succeeded</strong>" in text
    assert "<dt>Pledged</dt><dd>€100.00 (2%)</dd>" in text
    assert "<dt>Backers</dt><dd>1</dd>" in text
    assert "<dt>Raised</dt><dd>€100.00</dd>" in text
    assert f'href="/console/campaigns/{campaign_id}/expenses/new">Log expense</a>' in text
    assert f'href="/console/campaigns/{campaign_id}/updates/new">New update</a>' in text
    assert f'<a href="/console/campaigns/{campaign_id}/reports">Publish a report</a>' in text
    assert ">Edit</a>" not in text and ">Launch</button>" not in text
    assert "Cancel campaign…" not in text  # the deadline has passed
    assert '<th scope="row">Ada</th>' in text and "ada@example.org" not in text
    # Each row's fields name the pledge for screen readers: the table repeats them per row.
    context = '<span class="visually-hidden"> for the refund of '
    assert f'<label for="refund-{pledge_id}-amount">Refund amount{context}' in text
    assert f'<label for="refund-{pledge_id}-reason">Reason{context}' in text
    assert "leave blank to refund all that is left (€100.00)" in text
    assert '<button type="submit" class="danger">Refund</button>' in text


def test_a_drafts_page_offers_edit_and_launch_and_launch_comes_back_to_it(stack: Stack) -> None:
    _, creator = stack.account("creator")
    draft = stack.campaign(creator, launch=False, title="Bee hives")
    client = stack.site_client(creator)

    text = _page_of(client, draft["id"])

    assert f'<a href="/console/campaigns/{draft["id"]}/edit">Edit</a>' in text
    assert '<button type="submit">Launch</button>' in text
    # Cancel is set apart from Launch, red, and a link to what it would do.
    cancel = f'href="/console/campaigns/{draft["id"]}/cancel?back=campaign">Cancel campaign…</a>'
    assert f'<a class="button danger" {cancel}' in text
    assert text.index('<section class="danger-zone"') > text.index(">Launch</button>")
    assert "<h2>Pledges</h2>" not in text and "Log expense" not in text
    launched = client.post(
        f"/console/campaigns/{draft['id']}/launch",
        data={"csrf_token": csrf_of(text), "back": "campaign"},
    )
    assert launched.headers["Location"] == f"/console/campaigns/{draft['id']}"
    after = html.unescape(client.get(launched.headers["Location"]).get_data(as_text=True))
    assert "“Bee hives” is launched: it is live." in after
    assert "<strong>live</strong>" in after and ">Edit</a>" not in after
    assert "Nobody has pledged yet." in after


def test_only_the_campaigns_creator_opens_its_page(stack: Stack) -> None:
    campaign_id, _, _, _ = _collected(stack)
    _, other = stack.account("creator")
    _, backer = stack.account("backer")

    for token in (other, backer):
        refused = stack.site_client(token).get(f"/console/campaigns/{campaign_id}")
        assert refused.status_code == 403
        text = refused.get_data(as_text=True)
        assert "Only the campaign&#39;s creator can do that." in text
        assert "Ada" not in text
    anonymous = stack.site_client().get(f"/console/campaigns/{campaign_id}")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith(f"/login?next=/console/campaigns/{campaign_id}")


def test_someone_elses_draft_is_not_found(stack: Stack) -> None:
    _, owner = stack.account("creator")
    draft = stack.campaign(owner, launch=False, title="Secret plans")
    _, other = stack.account("creator")
    client = stack.site_client(other)

    for path in ("", "/edit"):
        response = client.get(f"/console/campaigns/{draft['id']}{path}")
        assert response.status_code == 404
        assert "Secret plans" not in response.get_data(as_text=True)


# --- refunds --------------------------------------------------------------------------------


def test_a_partial_then_a_full_refund_reach_the_pledge_and_the_ledger(stack: Stack) -> None:
    campaign_id, pledge_id, creator, client = _collected(stack)

    partial = _refund(client, campaign_id, pledge_id, amount="25.50", reason="Broken bottle")

    assert partial.status_code == 302
    assert partial.headers["Location"] == f"/console/campaigns/{campaign_id}"
    pledge = _api_pledge(stack, pledge_id, creator)
    assert (pledge["status"], pledge["refunded_amount"]) == ("refunded", 2_550)
    stack.relay()
    assert stack.balance(campaign_id)["refunded"] == 2_550
    text = _page_of(client, campaign_id)
    assert "Refunded €25.50; the ledger records it shortly." in text
    assert "<dt>Refunded</dt><dd>€25.50</dd>" in text
    assert "leave blank to refund all that is left (€74.50)" in text

    full = _refund(client, campaign_id, pledge_id, csrf_of(text), amount="", reason="Cancelled")

    assert full.status_code == 302
    assert _api_pledge(stack, pledge_id, creator)["refunded_amount"] == 10_000
    stack.relay()
    assert stack.balance(campaign_id)["refunded"] == 10_000
    text = _page_of(client, campaign_id)
    assert "Refunded €74.50" in text
    assert f'id="refund-{pledge_id}-amount"' not in text  # nothing left to refund


def test_a_blank_refund_amount_is_confirmed_as_the_whole_pledge_before_anything_is_written(
    stack: Stack,
) -> None:
    campaign_id, pledge_id, creator, client = _collected(stack)
    before = snapshot(stack.apps["pledges"])
    path = f"/console/campaigns/{campaign_id}/pledges/{pledge_id}/refund"
    csrf = csrf_of(_page_of(client, campaign_id))

    asked = client.post(path, data={"csrf_token": csrf, "amount": "", "reason": "Leaking cask"})

    assert asked.status_code == 200
    text = html.unescape(asked.get_data(as_text=True))
    assert "<h1>Refund €100.00 to Ada?</h1>" in text
    assert "€100.00, the whole pledge." in text
    assert "The reason given: “Leaking cask”." in text
    assert "Ada is told of the refund and its reason." in text
    assert '<button type="submit" class="danger">Refund €100.00</button>' in text
    assert f'<a href="/console/campaigns/{campaign_id}">No, go back</a>' in text
    assert snapshot(stack.apps["pledges"]) == before  # asking wrote nothing
    action, fields = confirmation_of(text)
    assert (action, fields["amount"], fields["confirmed_amount"]) == (path, "", "10000")

    # The confirmation is the only way through: without it, or for another amount than the one
    # confirmed, the page asks again and nothing is refunded.
    for forged in ({**fields, "confirm": "no"}, {**fields, "confirmed_amount": "100"}):
        again = client.post(path, data=forged)
        assert again.status_code == 200 and 'class="confirm"' in again.get_data(as_text=True)
    without_token = {k: v for k, v in fields.items() if k != "csrf_token"}
    assert client.post(path, data=without_token).status_code == 400
    assert snapshot(stack.apps["pledges"]) == before

    done = confirm(client, text)

    assert done.status_code == 302
    assert _api_pledge(stack, pledge_id, creator)["refunded_amount"] == 10_000


def test_a_partial_refund_confirmation_says_what_is_not_refunded(stack: Stack) -> None:
    campaign_id, pledge_id, _, client = _collected(stack)
    path = f"/console/campaigns/{campaign_id}/pledges/{pledge_id}/refund"
    csrf = csrf_of(_page_of(client, campaign_id))

    asked = client.post(path, data={"csrf_token": csrf, "amount": "40", "reason": "Late"})

    text = html.unescape(asked.get_data(as_text=True))
    assert "€40.00 of the €100.00 pledge; €60.00 of it is not refunded." in text
    assert confirm(client, text).status_code == 302
    asked = client.post(path, data={"csrf_token": csrf, "amount": "", "reason": "The rest"})
    text = html.unescape(asked.get_data(as_text=True))
    assert "€60.00, all that is left of the pledge (€40.00 of it was refunded before)." in text


def test_a_refund_after_spending_shows_the_shortfall_as_the_public_page_does(
    stack: Stack,
) -> None:
    campaign_id, pledge_id, creator, client = _collected(stack)
    spent = (
        stack.apps["ledger"]
        .test_client()
        .post(
            f"/api/v1/campaigns/{campaign_id}/expenses",
            data={
                "amount": "2000",
                "currency": "EUR",
                "category": "Bottles",
                "description": "Green glass",
                "vendor": "Glassworks",
                "incurred_on": "2026-01-15",
                "receipt": (io.BytesIO(pdf_bytes()), "bottles.pdf"),
            },
            headers=bearer(creator),
            content_type="multipart/form-data",
        )
    )
    assert spent.status_code == 201, spent.get_json()

    refunded = _refund(client, campaign_id, pledge_id, amount="", reason="Cancelled")

    assert refunded.status_code == 302
    stack.relay()
    assert stack.balance(campaign_id)["shortfall"] == 2_000
    # The console's figures are the public page's: one template, shortfall included.
    console = _page_of(client, campaign_id)
    public = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    for text in (console, public):
        assert "<dt>Shortfall</dt><dd>€20.00</dd>" in html.unescape(text)


def test_a_refund_without_a_reason_is_refused_next_to_the_field(stack: Stack) -> None:
    campaign_id, pledge_id, _, client = _collected(stack)
    before = snapshot(stack.apps["pledges"])

    response = _refund(client, campaign_id, pledge_id, amount="10", reason="   ")

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Give the reason for this refund." in _error(text, f"refund-{pledge_id}-reason-error1")
    error_in_focus(text, f"refund-{pledge_id}-reason")
    assert 'value="10"' in text
    assert snapshot(stack.apps["pledges"]) == before


def test_refunding_more_than_is_left_is_refused_next_to_the_amount(stack: Stack) -> None:
    campaign_id, pledge_id, creator, client = _collected(stack)
    assert _refund(client, campaign_id, pledge_id, amount="90", reason="Most").status_code == 302
    before = snapshot(stack.apps["pledges"])

    response = _refund(client, campaign_id, pledge_id, amount="10.01", reason="Too much")

    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert _error(text, f"refund-{pledge_id}-amount-error1") == (
        "Only €10.00 of the €100.00 collected is left to refund."
    )
    assert 'value="10.01"' in text and 'value="Too much"' in text
    assert snapshot(stack.apps["pledges"]) == before
    assert _api_pledge(stack, pledge_id, creator)["refunded_amount"] == 9_000


def test_a_refund_overtaken_by_another_is_refused_in_the_services_figures(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Confirmed for €40.00 while €100.00 was left; another refund of €70.00 lands after the
    # site read the pledge and before it sends the refund (the site is made to read the pledge
    # as it was). The refusal is the pledges service's (409), worded from the figures it sent,
    # in the page's language: the site works none of them out itself.
    campaign_id, pledge_id, creator, client = _collected(stack)
    as_it_was = _api_pledge(stack, pledge_id, creator)
    monkeypatch.setattr(PledgesClient, "pledge", lambda *_a, **_k: as_it_was)
    path = f"/console/campaigns/{campaign_id}/pledges/{pledge_id}/refund"
    csrf = csrf_of(_page_of(client, campaign_id))
    asked = client.post(path, data={"csrf_token": csrf, "amount": "40", "reason": "Late"})
    question = asked.get_data(as_text=True)
    meanwhile = stack.pledges.post(
        f"/api/v1/pledges/{pledge_id}/refund",
        json={"amount": 7_000, "reason": "Damaged"},
        headers=bearer(creator),
    )
    assert meanwhile.status_code == 200, meanwhile.get_json()
    before = snapshot(stack.apps["pledges"])

    refused = confirm(client, question)

    assert refused.status_code == 422
    text = html.unescape(refused.get_data(as_text=True))
    assert _error(text, f"refund-{pledge_id}-amount-error1") == (
        "Only €30.00 of the €100.00 collected is left to refund."
    )
    assert snapshot(stack.apps["pledges"]) == before
    client.get("/?lang=id")  # kept with the account: a write of its own
    in_indonesian = html.unescape(confirm(client, question).get_data(as_text=True))
    assert _error(in_indonesian, f"refund-{pledge_id}-amount-error1") == (
        "Dari € 100 yang tertagih, hanya tersisa € 30 yang bisa dikembalikan."
    )
    assert _api_pledge(stack, pledge_id, creator)["refunded_amount"] == 7_000


def test_a_pledge_of_a_live_campaign_cannot_be_refunded(stack: Stack) -> None:
    _, creator = stack.account("creator")
    campaign = stack.campaign(creator, title="Still running")
    made = _pledge(stack, campaign["id"], _backer(stack, "Bob"), 5_000)
    client = stack.site_client(creator)
    page = _page_of(client, campaign["id"])
    assert '<th scope="row">Bob</th>' in page
    assert f'id="refund-{made["id"]}-amount"' not in page  # no form for a pledge not collected
    before = snapshot(stack.apps["pledges"])

    response = _refund(client, campaign["id"], made["id"], amount="", reason="Please")

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    alert = text.split('<div class="form-errors" role="alert">')[1].split("</div>")[0]
    assert "pledged, not collected" in alert
    assert 'value="Please"' in text
    assert snapshot(stack.apps["pledges"]) == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Enter the amount as a number"),
        ("ten euros", "Enter the amount as a number"),
        ("0", "Enter an amount above zero."),
        ("1.234", "EUR amounts have at most 2 decimals."),
    ],
)
def test_a_negative_or_junk_refund_amount_is_refused(
    stack: Stack, typed: str, message: str
) -> None:
    campaign_id, pledge_id, _, client = _collected(stack)
    before = snapshot(stack.apps["pledges"])

    response = _refund(client, campaign_id, pledge_id, amount=typed, reason="Because")

    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert message in _error(text, f"refund-{pledge_id}-amount-error1")
    assert f'value="{typed}"' in text
    assert snapshot(stack.apps["pledges"]) == before


def test_another_creator_can_neither_refund_nor_edit(stack: Stack) -> None:
    _, other = stack.account("creator")
    own = stack.campaign(other, title="Their own")
    campaign_id, pledge_id, creator, _ = _collected(stack)
    intruder = stack.site_client(other)
    csrf = csrf_of(intruder.get("/console").get_data(as_text=True))
    before = snapshot(stack.apps["pledges"])

    through_theirs = _refund(intruder, campaign_id, pledge_id, csrf, amount="", reason="Mine")
    # Their own campaign's address with the other campaign's pledge: the API refuses it too.
    through_own = _refund(intruder, own["id"], pledge_id, csrf, amount="", reason="Mine")
    edit_page = intruder.get(f"/console/campaigns/{campaign_id}/edit")
    edit_post = intruder.post(
        f"/console/campaigns/{campaign_id}/edit", data={"csrf_token": csrf, "title": "Taken"}
    )

    for refused in (through_theirs, through_own, edit_page, edit_post):
        assert refused.status_code == 403, refused.status_code
    assert "Only the campaign's creator can do that." in html.unescape(
        through_theirs.get_data(as_text=True)
    )
    assert snapshot(stack.apps["pledges"]) == before
    assert _api_pledge(stack, pledge_id, creator)["refunded_amount"] == 0


def test_signing_in_from_a_form_comes_back_to_the_page_it_was_on(stack: Stack) -> None:
    campaign_id, pledge_id, creator, _ = _collected(stack)
    anonymous = stack.site_client()
    data = {"csrf_token": csrf_of(anonymous.get("/login").get_data(as_text=True)), "reason": "x"}
    console_page = f"/console/campaigns/{campaign_id}"
    before = snapshot(stack.apps["pledges"])

    as_creator = "Sign in as the campaign's creator to do that."
    for action, page, message in (
        # A form's POST-only address is never `next`: followed after signing in, it is a 405.
        (
            f"{console_page}/pledges/{pledge_id}/refund?offset=50",
            f"{console_page}?offset%3D50",
            as_creator,
        ),
        (f"{console_page}/pledges/{pledge_id}/refund", console_page, as_creator),
        (f"{console_page}/reports", console_page, as_creator),
        (f"{console_page}/cancel", "/console", "Please sign in first."),
        # A form that takes GET too was on its own address.
        (f"{console_page}/edit", f"{console_page}/edit", as_creator),
    ):
        answer = anonymous.post(action, data=data)
        assert answer.status_code == 302, action
        assert answer.headers["Location"] == f"/login?next={page}", action
        login = anonymous.get(answer.headers["Location"]).get_data(as_text=True)
        assert message in html.unescape(login), action
    launched = anonymous.post(f"{console_page}/launch", data={**data, "back": "campaign"})
    assert launched.headers["Location"] == f"/login?next={console_page}"

    # Signing in there lands on a page the creator can open.
    creator_browser = stack.site_client(creator)
    for page in (console_page, f"{console_page}?offset=50", "/console"):
        assert creator_browser.get(page).status_code == 200, page
    assert snapshot(stack.apps["pledges"]) == before


def test_an_ended_session_on_a_form_signs_in_again_without_a_405_to_come_back_to(
    stack: Stack,
) -> None:
    campaign_id, pledge_id, _, client = _collected(stack)
    csrf = csrf_of(client.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True))
    with client.session_transaction() as session:
        session["token"] = "revoked-or-expired"  # the services answer 401 to it

    answer = _refund(client, campaign_id, pledge_id, csrf, amount="", reason="Too late")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login"
    signed_out = client.get("/login").get_data(as_text=True)
    assert "Your session has ended. Please sign in again." in html.unescape(signed_out)


def test_a_refund_without_the_csrf_token_is_refused(stack: Stack) -> None:
    campaign_id, pledge_id, _, client = _collected(stack)
    before = snapshot(stack.apps["pledges"])

    for csrf in ("", "guess"):
        response = _refund(client, campaign_id, pledge_id, csrf, amount="", reason="No token")
        assert response.status_code == 400
        assert "This form has expired or was not sent from this site" in response.get_data(
            as_text=True
        )
    assert snapshot(stack.apps["pledges"]) == before


# --- editing a draft ------------------------------------------------------------------------


def _edit_form(page: str, **changes: str) -> dict[str, str]:
    """Every field of the edit form as the page filled it, with `changes` typed over it."""
    data = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', page, re.S))
    data = {name: html.unescape(value) for name, value in data.items()}
    data.pop("back", None)
    data["description"] = html.unescape(page.split('name="description"')[1].split(">", 1)[1])
    data["description"] = data["description"].split("</textarea>")[0]
    checked = re.search(r'name="funding_model" value="(\w+)" checked', page)
    assert checked
    data["funding_model"] = checked.group(1)
    data.update(changes)
    return data


def test_a_creator_edits_a_draft_and_the_api_has_the_change(stack: Stack) -> None:
    _, creator = stack.account("creator")
    draft = stack.campaign(creator, launch=False, title="Bee hives", goal_amount=500_050)
    client = stack.site_client(creator)
    path = f"/console/campaigns/{draft['id']}/edit"
    page = client.get(path).get_data(as_text=True)
    tier_id = draft["tiers"][0]["id"]

    assert "<h1>Edit “Bee hives”</h1>" in page
    assert '<button type="submit">Save</button>' in page
    assert 'value="Bee hives"' in page
    assert 'value="5000.50"' in page  # the goal in euros
    assert 'value="30.00"' in page and 'value="100"' in page  # the tier's minimum and limit
    assert 'value="3000.00"' in page  # the budget line
    assert f'name="tier_id_0" value="{tier_id}"' in page
    deadline = draft["deadline"][:16]  # `datetime-local`, UTC, to the minute
    assert f'value="{deadline}"' in page

    saved = client.post(
        path,
        data=_edit_form(page, title="Bee hives, two colonies", goal="6000", tier_min_0="35.50"),
    )

    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert saved.headers["Location"] == f"/console/campaigns/{draft['id']}"
    after = stack.pledges.get(f"/api/v1/campaigns/{draft['id']}", headers=bearer(creator))
    changed = after.get_json()
    assert changed["title"] == "Bee hives, two colonies"
    assert changed["goal_amount"] == 600_000
    assert [(t["id"], t["min_amount"], t["limit"]) for t in changed["tiers"]] == [
        (tier_id, 3_550, 100)
    ]
    assert changed["budget"] == draft["budget"]
    assert changed["deadline"] == draft["deadline"]  # untouched, to the second
    assert changed["description"] == draft["description"]
    shown = html.unescape(client.get(saved.headers["Location"]).get_data(as_text=True))
    assert "Your draft “Bee hives, two colonies” is saved." in shown


def test_bad_edits_are_shown_next_to_their_fields_and_change_nothing(stack: Stack) -> None:
    _, creator = stack.account("creator")
    draft = stack.campaign(creator, launch=False, title="Bee hives")
    client = stack.site_client(creator)
    path = f"/console/campaigns/{draft['id']}/edit"
    page = client.get(path).get_data(as_text=True)
    before = snapshot(stack.apps["pledges"])

    typed = client.post(path, data=_edit_form(page, goal="lots", title="New title"))
    refused_by_api = client.post(path, data=_edit_form(page, deadline="2001-01-01T00:00"))

    assert typed.status_code == 422
    text = typed.get_data(as_text=True)
    assert "Enter the amount as a number" in _error(text, "goal-error1")
    assert 'value="lots"' in text and 'value="New title"' in text
    assert refused_by_api.status_code == 422
    assert _error(refused_by_api.get_data(as_text=True), "deadline-error1")
    assert snapshot(stack.apps["pledges"]) == before


def test_an_edit_without_the_csrf_token_is_refused(stack: Stack) -> None:
    _, creator = stack.account("creator")
    draft = stack.campaign(creator, launch=False, title="Bee hives")
    client = stack.site_client(creator)
    page = client.get(f"/console/campaigns/{draft['id']}/edit").get_data(as_text=True)
    before = snapshot(stack.apps["pledges"])

    response = client.post(
        f"/console/campaigns/{draft['id']}/edit",
        data=_edit_form(page, csrf_token="", title="Forged"),
    )

    assert response.status_code == 400
    assert snapshot(stack.apps["pledges"]) == before


# --- cancelling -------------------------------------------------------------------------------


def test_cancelling_a_live_campaign_says_what_it_releases_and_who_is_told(stack: Stack) -> None:
    _, creator = stack.account("creator")
    campaign = stack.campaign(creator, title="Still running")
    first = _pledge(stack, campaign["id"], _backer(stack, "Bob"), 5_000)
    _pledge(stack, campaign["id"], _backer(stack, "Cy"), 2_500)
    client = stack.site_client(creator)
    console = f"/console/campaigns/{campaign['id']}"
    page = _page_of(client, campaign["id"])
    before = snapshot(stack.apps["pledges"])

    asked = client.get(f"{console}/cancel?back=campaign")

    text = html.unescape(asked.get_data(as_text=True))
    assert "<h1>Cancel “Still running”?</h1>" in text
    assert "2 pledges, €75.00 in all, are released: no backer is charged." in text
    assert "Its 2 backers are e-mailed that the campaign was cancelled" in text
    assert "This can never be undone" in text
    assert f'<a href="{console}">No, keep the campaign</a>' in text
    # The page the old one-click button posted to sends to this page and changes nothing.
    one_click = client.post(
        f"{console}/cancel", data={"csrf_token": csrf_of(page), "back": "campaign"}
    )
    assert one_click.headers["Location"] == f"{console}/cancel?back=campaign"
    assert snapshot(stack.apps["pledges"]) == before

    done = confirm(client, text)

    assert done.headers["Location"] == console
    after = _page_of(client, campaign["id"])
    assert "“Still running” is cancelled." in after and "<strong>cancelled</strong>" in after
    assert _api_pledge(stack, first["id"], creator)["status"] == "released"
    # Nothing is left to confirm: the page says so instead of asking.
    again = client.get(f"{console}/cancel?back=campaign")
    assert again.headers["Location"] == console
    shown = _page_of(client, campaign["id"])
    assert "“Still running” is cancelled: it can no longer be cancelled." in shown
