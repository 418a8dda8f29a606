"""The pages behind mailed links: confirming an address, resetting a password."""

from __future__ import annotations

import sqlalchemy as sa

from shared.events import decode
from tests.factories import bearer, campaign_body, mailed_link_token
from tests.integration.site.site_support import Stack, csrf_of

PASSWORD = "a sentence only I would write"


def link_token(stack: Stack, purpose: str) -> str:
    """The newest one-time link the pledges service asked the updates service to mail."""
    app = stack.apps["pledges"]
    outbox = app.extensions["fundtrail"].tables["outbox"]
    with app.extensions["fundtrail"].engine.connect() as connection:
        values = connection.execute(sa.select(outbox.c.value).order_by(outbox.c.id)).scalars()
        events = [decode(value) for value in values]
    asked = [
        e
        for e in events
        if e.type == "account.verification_requested" and e.payload["purpose"] == purpose
    ]
    return mailed_link_token(app, asked[-1])


def sign_up(stack: Stack, email: str, role: str = "creator") -> str:
    client = stack.site_client()
    page = client.get("/signup").get_data(as_text=True)
    client.post(
        "/signup",
        data={
            "csrf_token": csrf_of(page),
            "name": "Cleo",
            "email": email,
            "password": PASSWORD,
            "role": role,
        },
    )
    stack.relay()
    signed_in = stack.pledges.post("/api/v1/sessions", json={"email": email, "password": PASSWORD})
    return str(signed_in.get_json()["token"])


def test_a_creator_confirms_the_address_from_the_link_and_can_then_launch(stack: Stack) -> None:
    token = sign_up(stack, "cleo@example.org")
    campaign = stack.pledges.post(
        "/api/v1/campaigns", json=campaign_body(), headers=bearer(token)
    ).get_json()
    launch = f"/api/v1/campaigns/{campaign['id']}/launch"
    link = f"/verify?token={link_token(stack, 'verify_email')}"
    client = stack.site_client()

    opened = client.get(link, follow_redirects=True)
    page = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "Confirm my address" in page
    # The token left the address at once, and the page does not carry it either.
    assert [r.headers["Location"] for r in opened.history] == ["/verify"]
    assert opened.request.path == "/verify" and not opened.request.query_string
    assert link_token(stack, "verify_email") not in page
    # Opening the link (as a mail scanner would) changes nothing.
    assert stack.pledges.post(launch, headers=bearer(token)).status_code == 403

    # The form sends no token: the site kept it from the link.
    confirmed = client.post(
        "/verify", data={"csrf_token": csrf_of(page), "token": ""}, follow_redirects=True
    )
    assert "your e-mail address is confirmed" in confirmed.get_data(as_text=True)
    assert stack.pledges.post(launch, headers=bearer(token)).status_code == 200

    again = client.post(
        "/verify",
        data={"csrf_token": csrf_of(page), "token": link_token(stack, "verify_email")},
    )
    assert again.status_code == 400
    assert "expired or was already used" in again.get_data(as_text=True)


def test_a_confirmation_without_the_csrf_token_is_refused(stack: Stack) -> None:
    sign_up(stack, "nocsrf@example.org")
    client = stack.site_client()
    client.get("/verify")  # a session, but no token taken from a page
    refused = client.post("/verify", data={"token": link_token(stack, "verify_email")})
    assert refused.status_code in (400, 403)


def test_a_forgotten_password_is_reset_from_the_mailed_link(stack: Stack) -> None:
    sign_up(stack, "ada@example.org", role="backer")
    client = stack.site_client()
    page = client.get("/forgot-password").get_data(as_text=True)
    asked = client.post(
        "/forgot-password",
        data={"csrf_token": csrf_of(page), "email": "ada@example.org"},
        follow_redirects=True,
    )
    assert "If an account has that address" in asked.get_data(as_text=True)

    link = f"/reset-password?token={link_token(stack, 'reset_password')}"
    opened = client.get(link)
    assert opened.status_code == 303 and opened.headers["Location"] == "/reset-password"
    form = client.get("/reset-password").get_data(as_text=True)
    assert link_token(stack, "reset_password") not in form
    new_password = "another sentence nobody guesses"
    changed = client.post(
        "/reset-password",
        data={"csrf_token": csrf_of(form), "password": new_password},
        follow_redirects=True,
    )
    assert "Your password is changed" in changed.get_data(as_text=True)
    sessions = "/api/v1/sessions"
    old = stack.pledges.post(sessions, json={"email": "ada@example.org", "password": PASSWORD})
    new = stack.pledges.post(sessions, json={"email": "ada@example.org", "password": new_password})
    assert (old.status_code, new.status_code) == (401, 201)


def test_a_reset_link_is_spent_in_the_session_once_used(stack: Stack) -> None:
    sign_up(stack, "ada@example.org", role="backer")
    stack.pledges.post("/api/v1/password-resets", json={"email": "ada@example.org"})
    client = stack.site_client()
    client.get(f"/reset-password?token={link_token(stack, 'reset_password')}")
    form = client.get("/reset-password").get_data(as_text=True)
    changed = client.post(
        "/reset-password",
        data={"csrf_token": csrf_of(form), "password": "another sentence nobody guesses"},
    )
    assert changed.status_code == 302

    again = client.post(
        "/reset-password",
        data={"csrf_token": csrf_of(form), "password": "a third sentence nobody guesses"},
    )

    # Nothing kept to send: the pledges service refuses an empty token as a bad link.
    assert again.status_code == 422
    assert "expired or was already used" in again.get_data(as_text=True)
    with client.session_transaction() as session:
        assert not any(name.startswith("link_token") for name in session)


def test_a_token_typed_into_the_form_is_not_read(stack: Stack) -> None:
    # The pages' forms carry no token: only the link opened in this browser counts.
    token = sign_up(stack, "forged@example.org")
    campaign = stack.pledges.post(
        "/api/v1/campaigns", json=campaign_body(), headers=bearer(token)
    ).get_json()
    client = stack.site_client()
    page = client.get("/verify").get_data(as_text=True)
    assert 'name="token"' not in page

    refused = client.post(
        "/verify",
        data={"csrf_token": csrf_of(page), "token": link_token(stack, "verify_email")},
    )

    assert refused.status_code == 400
    assert "expired or was already used" in refused.get_data(as_text=True)
    launch = f"/api/v1/campaigns/{campaign['id']}/launch"
    assert stack.pledges.post(launch, headers=bearer(token)).status_code == 403


def test_the_reset_page_carries_no_token(stack: Stack) -> None:
    sign_up(stack, "ada@example.org", role="backer")
    stack.pledges.post("/api/v1/password-resets", json={"email": "ada@example.org"})
    client = stack.site_client()
    client.get(f"/reset-password?token={link_token(stack, 'reset_password')}")
    form = client.get("/reset-password").get_data(as_text=True)

    assert 'name="token"' not in form and 'name="password"' in form
