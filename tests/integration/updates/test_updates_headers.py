"""What the updates service's answers tell a browser: no sniffing, and a policy that lets
nothing run or load, on the API, the Atom feed and the unsubscribe page alike."""

from __future__ import annotations

import flask

from tests.integration.updates.updates_support import World


def csp(response: flask.Response) -> dict[str, str]:
    """The response's Content-Security-Policy as {directive: sources}."""
    policy = response.headers.get("Content-Security-Policy", "")
    pairs = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


def assert_locked_down(response: flask.Response) -> dict[str, str]:
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    policy = csp(response)
    assert policy.get("default-src") == "'none'", policy
    assert policy.get("frame-ancestors") == "'none'", policy
    assert "script-src" not in policy and "unsafe-inline" not in str(policy)
    return policy


def test_the_api_answers_and_refusals_run_nothing_in_a_browser(world: World) -> None:
    listed = world.get(f"/api/v1/campaigns/{world.campaign_id}/updates")
    assert listed.status_code == 200 and listed.json["updates"]
    assert_locked_down(listed)

    refused = world.post(title="", body="")
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert_locked_down(refused)

    missing = world.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert_locked_down(missing)


def test_the_feed_is_not_sniffed_into_a_page_and_runs_nothing(world: World) -> None:
    world.post(title="News", body="Hello <script>alert(1)</script>")
    feed = world.get(f"/campaigns/{world.campaign_id}/updates.atom")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    assert b"News" in feed.get_data()
    assert_locked_down(feed)


def test_the_unsubscribe_page_may_post_its_own_form_and_nothing_else(world: World) -> None:
    tokens = world.app.extensions["fundtrail"].unsubscribe_tokens
    path = f"/unsubscribe/{tokens.make(world.backer_id, world.campaign_id)}"
    client = world.app.test_client()

    page = client.get(path)
    assert page.status_code == 200 and b"<form" in page.get_data()
    assert assert_locked_down(page)["form-action"] == "'self'"
    # Its one inline style sheet, by hash: never 'unsafe-inline', nothing from elsewhere.
    import base64
    import hashlib
    import re

    style = re.search(r"<style>(.*?)</style>", page.get_data(as_text=True), re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert csp(page)["style-src"] == f"'sha256-{digest}'"

    done = client.post(path)
    assert done.status_code == 200 and b"no more e-mails" in done.get_data()
    assert_locked_down(done)

    forged = client.get("/unsubscribe/not-a-token")
    assert forged.status_code == 404
    assert_locked_down(forged)


def test_the_api_docs_page_runs_only_its_own_scripts(world: World) -> None:
    docs = world.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.get_data()
    assert docs.headers["X-Content-Type-Options"] == "nosniff"
    policy = csp(docs)
    assert policy["default-src"] == "'none'"
    assert policy["script-src"].startswith("'self'")
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
