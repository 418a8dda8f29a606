"""The console's reminder to confirm the e-mail address, and its button that mails a new link,
against the real services."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from shared.events import decode
from tests.factories import mailed_link_token
from tests.integration.site.site_support import Stack, csrf_of
from tests.integration.site.test_site_account_links import sign_up

NOTICE = "Confirm your e-mail address to launch a campaign: open the link we mailed you."
BUTTON = '<button type="submit">Send the link again</button>'
SEND_AGAIN = "/verify/send-again"


def verification_links(stack: Stack) -> list[str]:
    """Every verification link the pledges service asked to be mailed, oldest first."""
    app = stack.apps["pledges"]
    outbox = app.extensions["fundtrail"].tables["outbox"]
    with app.extensions["fundtrail"].engine.connect() as connection:
        values = connection.execute(sa.select(outbox.c.value).order_by(outbox.c.id)).scalars()
        events = [decode(value) for value in values]
    return [
        mailed_link_token(app, e)
        for e in events
        if e.type == "account.verification_requested" and e.payload["purpose"] == "verify_email"
    ]


def unconfirmed_creator(stack: Stack, email: str) -> tuple[FlaskClient, str]:
    """A creator who signed up on the site and has not opened the link: their browser on the
    console, and the console page."""
    client = stack.site_client(sign_up(stack, email), role="creator")
    page = client.get("/console")
    assert page.status_code == 200
    return client, page.get_data(as_text=True)


def confirm(stack: Stack, link: str) -> None:
    verified = stack.pledges.post("/api/v1/email-verifications", json={"token": link})
    assert verified.status_code == 200, verified.get_json()


def test_an_unconfirmed_creator_gets_a_new_link_and_the_notice_goes_once_confirmed(
    stack: Stack,
) -> None:
    client, page = unconfirmed_creator(stack, "cleo@example.org")
    assert NOTICE in page and BUTTON in page
    assert f'action="{SEND_AGAIN}"' in page
    # At the top: before the list of campaigns.
    assert page.index(NOTICE) < page.index("My campaigns")
    [first] = verification_links(stack)

    sent = client.post(SEND_AGAIN, data={"csrf_token": csrf_of(page)})

    assert sent.status_code == 302 and sent.headers["Location"].endswith("/console")
    shown = client.get("/console").get_data(as_text=True)
    assert "A new link is on its way to cleo@example.org." in shown
    links = verification_links(stack)
    assert len(links) == 2 and links[0] == first and links[1] != first
    stack.relay()  # the updates service queues its mail like the first one's

    confirm(stack, links[1])
    after = client.get("/console").get_data(as_text=True)
    assert NOTICE not in after and BUTTON not in after


def test_sending_again_without_the_csrf_token_is_refused_and_mails_nothing(
    stack: Stack,
) -> None:
    client, _ = unconfirmed_creator(stack, "nocsrf-again@example.org")

    refused = client.post(SEND_AGAIN, data={})

    assert refused.status_code == 400
    assert "This form has expired or was not sent from this site" in refused.get_data(as_text=True)
    assert len(verification_links(stack)) == 1


def test_too_many_links_is_a_notice_saying_how_long_to_wait(stack: Stack) -> None:
    client, page = unconfirmed_creator(stack, "eager@example.org")
    for _ in range(2):  # with the sign-up link, three this hour: the limit
        client.post(SEND_AGAIN, data={"csrf_token": csrf_of(page)})
    assert len(verification_links(stack)) == 3

    limited = client.post(SEND_AGAIN, data={"csrf_token": csrf_of(page)}, follow_redirects=True)

    assert limited.status_code == 200
    text = limited.get_data(as_text=True)
    assert "No new link yet: 3 confirmation links were mailed in the last hour; ask again in" in (
        text
    )
    assert NOTICE in text  # still unconfirmed: the button stays
    assert len(verification_links(stack)) == 3


def test_a_creator_who_confirmed_meanwhile_is_told_so(stack: Stack) -> None:
    client, page = unconfirmed_creator(stack, "meanwhile@example.org")
    confirm(stack, verification_links(stack)[-1])  # in another tab, from the mail

    pressed = client.post(SEND_AGAIN, data={"csrf_token": csrf_of(page)}, follow_redirects=True)

    assert pressed.status_code == 200
    text = pressed.get_data(as_text=True)
    assert "Your e-mail address is already confirmed: you can launch your campaigns." in text
    assert NOTICE not in text
    assert len(verification_links(stack)) == 1


def test_creators_made_by_an_operator_see_no_notice(stack: Stack) -> None:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")

    page = client.get("/console").get_data(as_text=True)

    assert "Creator console" in page
    assert NOTICE not in page and BUTTON not in page


def test_signed_out_visitors_are_sent_to_sign_in_first(stack: Stack) -> None:
    client = stack.site_client()
    page = client.get("/login").get_data(as_text=True)

    sent = client.post(SEND_AGAIN, data={"csrf_token": csrf_of(page)})

    assert sent.status_code == 302
    assert "/login?next=/console" in sent.headers["Location"].replace("%2F", "/")
    assert verification_links(stack) == []
