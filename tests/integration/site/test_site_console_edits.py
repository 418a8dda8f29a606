"""The creator console's second thoughts, on the real services: reversing an expense, editing
and retracting an update, and previewing Markdown as the updates service will publish it."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from services.site.console.expenses import expense_rows
from tests.factories import bearer
from tests.integration.ledger.ledger_support import pdf_bytes
from tests.integration.site.site_support import Stack, confirm, csrf_of


def _expense(stack: Stack, client: Any, campaign_id: str) -> int:
    """Log a €20.00 expense through the site; its seq in the ledger."""
    path = f"/console/campaigns/{campaign_id}/expenses/new"
    data = {
        "csrf_token": csrf_of(client.get(path).get_data(as_text=True)),
        "amount": "20.00",
        "category": "Materials",
        "description": "Oak staves",
        "vendor": "Cooper & Sons",
        "incurred_on": "2026-01-15",
        "receipt": (io.BytesIO(pdf_bytes()), "invoice.pdf"),
    }
    logged = client.post(path, data=data, content_type="multipart/form-data")
    assert logged.status_code == 302, logged.get_data(as_text=True)
    stack.relay()
    entries = stack.apps["ledger"].test_client().get(f"/api/v1/campaigns/{campaign_id}/entries")
    [expense] = [e for e in entries.get_json()["entries"] if e["kind"] == "expense"]
    seq: int = expense["seq"]
    return seq


def _text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _updates(stack: Stack, campaign_id: str, creator: str) -> list[dict[str, Any]]:
    listed = (
        stack.apps["updates"]
        .test_client()
        .get(f"/api/v1/campaigns/{campaign_id}/updates", headers=bearer(creator))
    )
    found: list[dict[str, Any]] = listed.get_json()["updates"]
    return found


def _posted(stack: Stack, campaign_id: str, creator: str, **body: Any) -> dict[str, Any]:
    payload = {"title": "Staves arrived", "body": "The **oak** is here.", "visibility": "public"}
    made = (
        stack.apps["updates"]
        .test_client()
        .post(
            f"/api/v1/campaigns/{campaign_id}/updates",
            json={**payload, **body},
            headers=bearer(creator),
        )
    )
    assert made.status_code == 201, made.get_json()
    found: dict[str, Any] = made.get_json()
    return found


# --- expenses ---------------------------------------------------------------------------------


def test_the_creator_reverses_an_expense_and_the_spent_figure_drops(stack: Stack) -> None:
    campaign_id, client, _ = stack.funded_campaign()
    seq = _expense(stack, client, campaign_id)
    assert stack.balance(campaign_id)["spent"] == 2_000
    path = f"/console/campaigns/{campaign_id}/expenses"

    page = client.get(path)

    assert page.status_code == 200
    text = _text(page)
    assert f'href="/console/campaigns/{campaign_id}/expenses/new">Log expense</a>' in text
    assert (
        f'<th scope="row" id="entry-{seq}">{seq}</th>' in text
        and "Oak staves (Cooper & Sons)" in text
    )
    assert f'<label for="entry-{seq}-reason">Reason<span class="visually-hidden"> ' in text
    assert f'action="{path}/{seq}/reverse"' in text
    button = f'<button type="submit" class="danger" aria-describedby="entry-{seq}">Reverse</button>'
    assert button in text

    asked = client.post(
        f"{path}/{seq}/reverse",
        data={"csrf_token": csrf_of(text), "reason": "Logged twice by mistake"},
    )

    # First the page saying what will be appended; the ledger is untouched until it is confirmed.
    assert asked.status_code == 200
    question = _text(asked)
    assert f"<h1>Reverse expense {seq}?</h1>" in question
    assert f"Expense {seq}: €20.00 for Materials, “Oak staves”." in question
    assert (
        "A reversal entry of €20.00 is appended to the ledger with your reason, “Logged twice "
        "by mistake”" in question
    )
    assert "The expense stays in the public books for good" in question
    assert f'<a href="{path}">No, go back</a>' in question
    stack.relay()
    assert stack.balance(campaign_id)["spent"] == 2_000

    reversed_ = confirm(client, question, follow_redirects=True)

    assert reversed_.status_code == 200
    shown = _text(reversed_)
    assert f"Entry {seq} is reversed by entry {seq + 1}." in shown
    assert f"Reversed by entry {seq + 1}" in shown
    assert f"Reverses entry {seq}" in shown and "Reason: Logged twice by mistake" in shown
    assert ">Reverse</button>" not in shown
    stack.relay()
    balance = stack.balance(campaign_id)
    assert (balance["spent"], balance["available"]) == (0, 12_345)


def test_reversing_twice_or_without_a_reason_is_refused_clearly(stack: Stack) -> None:
    campaign_id, client, _ = stack.funded_campaign()
    seq = _expense(stack, client, campaign_id)
    path = f"/console/campaigns/{campaign_id}/expenses"
    token = csrf_of(client.get(path).get_data(as_text=True))

    blank = client.post(f"{path}/{seq}/reverse", data={"csrf_token": token, "reason": "  "})

    assert blank.status_code == 422
    text = _text(blank)
    assert f"Entry {seq} was not reversed." in text
    error = text.split(f'id="entry-{seq}-reason-error1">')[1].split("</p>")[0]
    assert "Give the reason for reversing it" in error
    assert stack.balance(campaign_id)["spent"] == 2_000

    asked = client.post(f"{path}/{seq}/reverse", data={"csrf_token": token, "reason": "Oops"})
    first = confirm(client, asked.get_data(as_text=True))
    assert first.status_code == 302
    # The same form sent again, from a page shown before the first reversal: nothing to confirm.
    again = client.post(f"{path}/{seq}/reverse", data={"csrf_token": token, "reason": "Oops"})
    assert again.status_code == 409
    assert f"The ledger does not offer to reverse entry {seq}" in _text(again)
    # Its confirmation page sent again: the ledger says why.
    again = confirm(client, asked.get_data(as_text=True))

    assert again.status_code == 409
    text = _text(again)
    assert '<div class="form-errors" role="alert">' in text
    assert f"Entry {seq} was not reversed." in text
    assert f"entry {seq} was already reversed by entry {seq + 1}" in text
    stack.relay()
    assert stack.balance(campaign_id)["spent"] == 0


def test_a_contribution_cannot_be_reversed(stack: Stack) -> None:
    campaign_id, client, _ = stack.funded_campaign()
    path = f"/console/campaigns/{campaign_id}/expenses"
    page = client.get(path).get_data(as_text=True)
    assert "No expenses yet." in page

    data = {"csrf_token": csrf_of(page), "reason": "x"}
    unasked = client.post(f"{path}/0/reverse", data=data)
    assert unasked.status_code == 409
    assert "The ledger does not offer to reverse entry 0" in _text(unasked)

    refused = client.post(f"{path}/0/reverse", data={**data, "confirm": "yes"})

    assert refused.status_code == 409
    text = _text(refused)
    assert "Entry 0 was not reversed." in text
    assert "only expenses and reversals of them can be reversed" in text
    assert stack.balance(campaign_id)["raised"] == 12_345


def test_an_expense_reversed_and_re_instated_has_its_form_on_the_latest_link() -> None:
    # The ledger's answer: where each expense and reversal stands, decided by the journal.
    listed = [
        {"seq": 1, "kind": "expense", "in_force": True, "reversible": False, "reversed_by": 2},
        {"seq": 2, "kind": "reversal", "in_force": False, "reversible": False, "reversed_by": 3},
        {"seq": 3, "kind": "reversal", "in_force": True, "reversible": True, "reversed_by": None},
        {"seq": 4, "kind": "expense", "in_force": True, "reversible": True, "reversed_by": None},
        {"seq": 5, "kind": "expense", "in_force": False, "reversible": False, "reversed_by": 6},
        {"seq": 6, "kind": "reversal", "in_force": True, "reversible": False, "reversed_by": None},
    ]

    rows = {row["entry"]["seq"]: row for row in expense_rows(listed)}

    assert sorted(rows) == [1, 2, 3, 4, 5, 6]
    assert (rows[1]["in_force"], rows[1]["target"], rows[1]["reversed_by"]) == (True, 3, 2)
    assert rows[1]["reversible"] and rows[4]["reversible"] and not rows[5]["reversible"]
    assert (rows[4]["in_force"], rows[4]["target"], rows[4]["latest"]) == (True, 4, None)
    assert (rows[5]["in_force"], rows[5]["latest"]) == (False, 6)
    assert (rows[2]["reversed_by"], rows[3]["reversed_by"]) == (3, None)


# --- updates: edit, retract, preview ----------------------------------------------------------


def test_the_creator_edits_an_update_and_a_new_revision_is_kept(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    update = _posted(stack, campaign_id, creator)
    listing = _text(client.get(f"/console/campaigns/{campaign_id}/updates"))
    edit_path = f"/console/updates/{update['id']}/edit"
    heading = f"update-{update['id']}-heading"
    assert f'<a href="{edit_path}" aria-describedby="{heading}">Edit</a>' in listing
    assert "<p>The <strong>oak</strong> is here.</p>" in listing

    form = _text(client.get(edit_path))
    assert '<label for="title">Title</label>' in form and '<label for="body">Body</label>' in form
    assert 'value="Staves arrived"' in form and ">The **oak** is here.</textarea>" in form
    assert '<button type="submit">Save</button>' in form

    saved = client.post(
        edit_path,
        data={
            "csrf_token": csrf_of(form),
            "title": "Staves arrived (all 40)",
            "body": "All **40** staves are here.",
        },
        follow_redirects=True,
    )

    assert saved.status_code == 200
    text = _text(saved)
    assert "Your changes are saved as revision 2." in text
    assert "Staves arrived (all 40)" in text
    assert f'href="/console/updates/{update["id"]}/revisions">Revisions (2)</a>' in text
    revisions = (
        stack.apps["updates"]
        .test_client()
        .get(f"/api/v1/updates/{update['id']}/revisions", headers=bearer(creator))
    )
    assert [(r["number"], r["title"], r["body"]) for r in revisions.get_json()["revisions"]] == [
        (1, "Staves arrived", "The **oak** is here."),
        (2, "Staves arrived (all 40)", "All **40** staves are here."),
    ]
    history = _text(client.get(f"/console/updates/{update['id']}/revisions"))
    assert "Revision 1" in history and "<p>All <strong>40</strong> staves are here.</p>" in history


def test_an_edit_the_service_refuses_comes_back_with_the_values_kept(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    update = _posted(stack, campaign_id, creator)
    edit_path = f"/console/updates/{update['id']}/edit"
    token = csrf_of(client.get(edit_path).get_data(as_text=True))

    refused = client.post(
        edit_path, data={"csrf_token": token, "title": "  ", "body": "Kept *text*"}
    )

    assert refused.status_code == 422
    text = _text(refused)
    assert "blank" in text.split('id="title-error1">')[1].split("</p>")[0]
    assert ">Kept *text*</textarea>" in text
    [mine] = [u for u in _updates(stack, campaign_id, creator) if u["id"] == update["id"]]
    assert (mine["title"], mine["revision_count"]) == ("Staves arrived", 1)


def test_the_creator_retracts_an_update_and_its_notice_shows(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    update = _posted(stack, campaign_id, creator)
    path = f"/console/campaigns/{campaign_id}/updates"
    listing = _text(client.get(path))
    retract_path = f"/console/updates/{update['id']}/retract"
    assert f'action="{retract_path}"' in listing
    label = f'<label for="update-{update["id"]}-reason">Reason<span class="visually-hidden">'
    assert label in listing
    heading = f"update-{update['id']}-heading"
    button = f'<button type="submit" class="danger" aria-describedby="{heading}">Retract</button>'
    assert button in listing
    token = csrf_of(listing)

    blank = client.post(retract_path, data={"csrf_token": token, "reason": ""})
    assert blank.status_code == 422
    assert f'id="update-{update["id"]}-reason-error1"' in _text(blank)

    asked = client.post(
        retract_path, data={"csrf_token": token, "reason": "The delivery date was wrong"}
    )
    assert asked.status_code == 200
    question = _text(asked)
    assert "<h1>Retract “Staves arrived”?</h1>" in question
    assert (
        "is replaced for everyone by a notice that it was retracted, with your reason: “The "
        "delivery date was wrong”." in question
    )
    assert "It was e-mailed to the campaign's backer when it was published" in question
    assert "This can never be undone" in question
    assert f'<a href="{path}">No, keep the update</a>' in question
    [mine] = [u for u in _updates(stack, campaign_id, creator) if u["id"] == update["id"]]
    assert mine["retracted"] is False  # asking changed nothing

    retracted = confirm(client, question, follow_redirects=True)

    assert retracted.status_code == 200
    text = _text(retracted)
    assert "The update is retracted" in text
    assert "Retracted update" in text and "This update was retracted" in text
    assert "Reason: The delivery date was wrong" in text
    assert f'href="/console/updates/{update["id"]}/edit"' not in text
    assert f'action="{retract_path}"' not in text
    [mine] = [u for u in _updates(stack, campaign_id, creator) if u["id"] == update["id"]]
    assert mine["retracted"] is True and mine["retraction_reason"] == "The delivery date was wrong"

    again = client.post(retract_path, data={"csrf_token": token, "reason": "Again"})
    assert again.status_code == 409
    assert "The update was not retracted." in _text(again)
    assert "retracted" in _text(again).split('role="alert">')[1].split("</div>")[0]
    assert client.get(f"/console/updates/{update['id']}/edit").status_code == 409


def test_automatic_updates_offer_no_edit_and_refuse_one(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    automatic = [u for u in _updates(stack, campaign_id, creator) if u["kind"] == "automatic"]
    assert automatic
    listing = _text(client.get(f"/console/campaigns/{campaign_id}/updates"))
    assert "cannot be edited or retracted" in listing
    target = automatic[0]["id"]
    assert f"/console/updates/{target}/edit" not in listing

    page = client.get(f"/console/updates/{target}/edit")
    assert page.status_code == 409
    assert "Automatic updates record what happened" in _text(page)
    refused = client.post(
        f"/console/updates/{target}/retract",
        data={"csrf_token": csrf_of(listing), "reason": "No"},
    )
    assert refused.status_code == 409
    assert "cannot be retracted" in _text(refused)
    [still] = [u for u in _updates(stack, campaign_id, creator) if u["id"] == target]
    assert still["retracted"] is False


HOSTILE = "**Bold** <script>alert(1)</script> [click](javascript:alert(1))"


def test_a_preview_shows_sanitised_html_and_publishes_nothing(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    path = f"/console/campaigns/{campaign_id}/updates/new"
    form = client.get(path).get_data(as_text=True)
    assert '<button type="submit" name="action" value="preview">Preview</button>' in form
    before = _updates(stack, campaign_id, creator)

    shown = client.post(
        path,
        data={
            "csrf_token": csrf_of(form),
            "title": "Draft news",
            "body": HOSTILE,
            "visibility": "backers",
            "action": "preview",
        },
    )

    assert shown.status_code == 200
    raw = shown.get_data(as_text=True)
    assert '<h2 id="preview-heading">Preview</h2>' in raw
    assert "<strong>Bold</strong> &lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "<script>" not in raw and 'href="javascript' not in raw.lower()
    assert raw.index("preview-heading") < raw.index(f'<form method="post" action="{path}"')
    assert 'value="Draft news"' in raw
    assert f">{html.escape(HOSTILE)}</textarea>" in raw
    assert re.search(r'value="backers"\s+checked', raw)
    assert _updates(stack, campaign_id, creator) == before


def test_a_preview_of_an_edit_changes_nothing_and_refusals_show(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    update = _posted(stack, campaign_id, creator)
    edit_path = f"/console/updates/{update['id']}/edit"
    token = csrf_of(client.get(edit_path).get_data(as_text=True))

    shown = client.post(
        edit_path,
        data={"csrf_token": token, "title": "New", "body": "_Soon_", "action": "preview"},
    )

    assert shown.status_code == 200
    raw = shown.get_data(as_text=True)
    assert "<h3>New</h3>" in raw and "<p><em>Soon</em></p>" in raw
    assert ">_Soon_</textarea>" in raw
    too_long = client.post(
        edit_path,
        data={"csrf_token": token, "title": "New", "body": "x" * 20_001, "action": "preview"},
    )
    assert too_long.status_code == 422
    assert "at most 20000 characters" in too_long.get_data(as_text=True)
    assert 'id="preview-heading"' not in too_long.get_data(as_text=True)
    [mine] = [u for u in _updates(stack, campaign_id, creator) if u["id"] == update["id"]]
    assert (mine["title"], mine["revision_count"]) == ("Staves arrived", 1)


def test_a_full_length_body_fits_and_one_character_more_is_refused_not_cut(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    path = f"/console/campaigns/{campaign_id}/updates/new"
    token = csrf_of(client.get(path).get_data(as_text=True))
    form = {"csrf_token": token, "title": "Long", "visibility": "public"}

    # 20,000 "é" are 120 KB form-encoded: past the site's usual limit, within the service's.
    shown = client.post(path, data={**form, "body": "é" * 20_000, "action": "preview"})
    assert shown.status_code == 200
    assert f"<p>{'é' * 20_000}</p>" in _text(shown)

    refused = client.post(path, data={**form, "body": "x" * 20_001})

    assert refused.status_code == 422
    error = _text(refused).split('id="body-error1">')[1].split("</p>")[0]
    assert "at most 20000 characters" in error
    assert not [u for u in _updates(stack, campaign_id, creator) if u.get("title") == "Long"]


# --- who may ----------------------------------------------------------------------------------


def test_another_creator_is_refused_on_every_route(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    seq = _expense(stack, client, campaign_id)
    update = _posted(stack, campaign_id, creator)
    _, other = stack.account("creator", "Other")
    stranger = stack.site_client(other)
    token = csrf_of(stranger.get("/console").get_data(as_text=True))
    # Confirmed, so that the refusal is the one about whose campaign it is.
    data = {
        "csrf_token": token,
        "reason": "Mine now",
        "title": "Mine",
        "body": "Mine",
        "confirm": "yes",
    }

    for method, path in (
        ("GET", f"/console/campaigns/{campaign_id}/expenses"),
        ("POST", f"/console/campaigns/{campaign_id}/expenses/{seq}/reverse"),
        ("GET", f"/console/campaigns/{campaign_id}/updates"),
        ("GET", f"/console/updates/{update['id']}/edit"),
        ("POST", f"/console/updates/{update['id']}/edit"),
        ("POST", f"/console/updates/{update['id']}/retract"),
        ("GET", f"/console/updates/{update['id']}/revisions"),
    ):
        answer = stranger.open(path, method=method, data=data if method == "POST" else None)
        assert answer.status_code == 403, (method, path)
        assert "Only the campaign's creator" in _text(answer)

    assert stack.balance(campaign_id)["spent"] == 2_000
    [mine] = [u for u in _updates(stack, campaign_id, creator) if u["id"] == update["id"]]
    assert (mine["title"], mine["retracted"]) == ("Staves arrived", False)


def test_posts_without_the_csrf_token_are_refused(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    seq = _expense(stack, client, campaign_id)
    update = _posted(stack, campaign_id, creator)

    for path in (
        f"/console/campaigns/{campaign_id}/expenses/{seq}/reverse",
        f"/console/updates/{update['id']}/edit",
        f"/console/updates/{update['id']}/retract",
        f"/console/campaigns/{campaign_id}/updates/new",
    ):
        answer = client.post(
            path,
            data={
                "reason": "x",
                "title": "x",
                "body": "x",
                "visibility": "public",
                "confirm": "yes",
            },
        )
        assert answer.status_code == 400, path
        assert "This form has expired" in _text(answer)

    assert stack.balance(campaign_id)["spent"] == 2_000
    listed = _updates(stack, campaign_id, creator)
    [mine] = [u for u in listed if u["id"] == update["id"]]
    assert (mine["title"], mine["retracted"]) == ("Staves arrived", False)
    assert not [u for u in listed if u.get("title") == "x"]


def test_anonymous_visitors_are_sent_to_sign_in(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    seq = _expense(stack, client, campaign_id)
    update = _posted(stack, campaign_id, creator)
    anonymous = stack.site_client()
    token = csrf_of(anonymous.get("/login").get_data(as_text=True))

    expenses = f"/console/campaigns/{campaign_id}/expenses"
    edit = f"/console/updates/{update['id']}/edit"
    for method, path, back in (
        ("GET", expenses, expenses),
        # A POST-only address would be a 405 when followed after signing in: never `next`.
        ("POST", f"{expenses}/{seq}/reverse", expenses),
        ("GET", f"/console/campaigns/{campaign_id}/updates", None),
        ("GET", edit, None),
        ("POST", edit, edit),
        ("POST", f"/console/updates/{update['id']}/retract", "/console"),
        ("GET", f"/console/updates/{update['id']}/revisions", None),
    ):
        data = {"csrf_token": token, "reason": "x"} if method == "POST" else None
        answer = anonymous.open(path, method=method, data=data)
        assert answer.status_code == 302, (method, path)
        assert answer.headers["Location"] == f"/login?next={back or path}", (method, path)
        if method == "POST":
            assert client.get(back).status_code == 200, back  # the creator's browser

    assert stack.balance(campaign_id)["spent"] == 2_000
