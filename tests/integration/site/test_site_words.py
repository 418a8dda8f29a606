"""What people read when a service refuses: sentences written for them, never the services'
words for programmers (an HTTP method, an API path, a field name)."""

from __future__ import annotations

import html
import re

from tests.integration.site.site_support import PROGRAMMERS_WORDS, Stack, csrf_of
from tests.integration.site.test_site_reverification import unconfirmed_creator


def shown_text(page: str) -> str:
    """A page's words as a person reads them: tags, scripts and attributes left out."""
    body = page.split("<main", 1)[-1]
    return html.unescape(re.sub(r"<[^>]*>", " ", body))


def test_launching_before_confirming_the_address_is_refused_in_words_for_people(
    stack: Stack,
) -> None:
    client, page = unconfirmed_creator(stack, "ada@example.org")
    campaign = stack.campaign(_creator_token(client), launch=False)

    refused = client.post(
        f"/console/campaigns/{campaign['id']}/launch", data={"csrf_token": csrf_of(page)}
    )

    assert refused.status_code == 302
    shown = shown_text(client.get("/console").get_data(as_text=True))
    assert "Confirm your e-mail address before launching a campaign" in shown
    assert "POST /" not in shown and "/me/" not in shown
    assert not PROGRAMMERS_WORDS.search(shown), PROGRAMMERS_WORDS.search(shown)
    assert "draft" in shown  # nothing was launched


def _creator_token(client: object) -> str:
    with client.session_transaction() as session:  # type: ignore[attr-defined]
        return str(session["token"])
