"""The site's defences against the second audit's findings: where sign-in sends a person, the
client address passed on to the services, and HSTS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from services.site.app import create_app
from services.site.settings import SiteSettings
from tests.integration.site.site_support import Stack, csrf_of, serve

PASSWORD = "a sentence only I would write"


def signed_up(stack: Stack, email: str) -> None:
    made = stack.pledges.post(
        "/api/v1/signup",
        json={"name": "Ada", "email": email, "password": PASSWORD, "role": "backer"},
    )
    assert made.status_code == 201, made.get_json()
    stack.relay()


def sign_in(client: FlaskClient, email: str, next_path: str) -> Any:
    page = client.get("/login", query_string={"next": next_path})
    assert page.status_code == 200
    return client.post(
        "/login",
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "email": email,
            "password": PASSWORD,
            "next": next_path,
        },
    )


@pytest.mark.parametrize(
    "next_path",
    ["/\t/evil.example", "/\n/evil.example", "/\\evil.example", "/%2F/evil.example", "//x"],
)
def test_a_hostile_next_address_sends_a_signed_in_person_home(stack: Stack, next_path: str) -> None:
    signed_up(stack, "ada@example.org")
    client = stack.site_client()

    answer = sign_in(client, "ada@example.org", next_path)

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"
    # Signed in all the same: the home page greets the visitor by their address.
    assert "ada@example.org" in client.get("/").get_data(as_text=True)


def test_the_sign_in_form_never_carries_a_hostile_next_address(stack: Stack) -> None:
    page = stack.site_client().get("/login", query_string={"next": "/\n/evil.example"})

    assert page.status_code == 200
    assert 'name="next" value="/"' in page.get_data(as_text=True)


def test_a_path_on_this_site_is_where_sign_in_goes_next(stack: Stack) -> None:
    signed_up(stack, "ada@example.org")

    answer = sign_in(stack.site_client(), "ada@example.org", "/console?tab=money")

    assert answer.status_code == 302 and answer.headers["Location"] == "/console?tab=money"


def _offline_site(tmp_path: Path, **settings: Any) -> flask.Flask:
    return create_app(
        {"TESTING": True},
        settings=SiteSettings.load({"var_dir": tmp_path, "timeout": 2.0, **settings}),
    )


def test_https_pages_ask_browsers_to_stay_on_https(tmp_path: Path) -> None:
    site = _offline_site(tmp_path, public_url="https://fundtrail.example")

    page = site.test_client().get("/login", base_url="https://fundtrail.example")

    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_pages_send_no_hsts(tmp_path: Path) -> None:
    site = _offline_site(tmp_path, public_url="http://127.0.0.1:8000")

    page = site.test_client().get("/login")

    assert page.status_code == 200
    assert "Strict-Transport-Security" not in page.headers


def test_forms_may_lead_to_the_payment_provider_s_pages_and_nowhere_else(
    tmp_path: Path,
) -> None:
    # "Save a card" and "Set up payouts" are forms the site answers with a redirect to Stripe;
    # Chromium holds that redirect to form-action, and with 'self' alone stopped both.
    site = _offline_site(tmp_path)

    policy = site.test_client().get("/login").headers["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["form-action"] == (
        "'self' https://checkout.stripe.com https://connect.stripe.com"
    )


def test_the_payment_provider_s_pages_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITE_PAYMENT_PAGES", "https://pay.example.org https://*.stripe.me")
    site = _offline_site(tmp_path)

    policy = site.test_client().get("/login").headers["Content-Security-Policy"]

    assert "form-action 'self' https://pay.example.org https://*.stripe.me;" in policy


@pytest.mark.parametrize(
    "pages",
    [
        "https://pay.example.org; script-src *",
        "https://pay.example.org 'unsafe-inline'",
        "http://pay.example.org",
        "*",
        "https://pay.example.org/path",
    ],
)
def test_payment_pages_that_would_loosen_the_policy_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pages: str
) -> None:
    monkeypatch.setenv("SITE_PAYMENT_PAGES", pages)

    with pytest.raises(ValueError, match="SITE_PAYMENT_PAGES must be https:// origins"):
        SiteSettings.load({"var_dir": tmp_path})


@pytest.fixture
def pledges_recorder() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A stand-in for the pledges service on a real socket that refuses every sign-in and
    remembers the headers the site sent it."""
    seen: list[dict[str, str]] = []
    app = flask.Flask("recorder")

    @app.post("/api/v1/sessions")
    def sessions() -> Any:
        seen.append(dict(flask.request.headers))
        return {"title": "Unauthorized", "status": 401}, 401

    server, url = serve(app)
    try:
        yield url, seen
    finally:
        server.shutdown()
        server.server_close()


def _forwarded_for(site: flask.Flask, seen: list[dict[str, str]], **request: Any) -> str:
    """The client address the site names to the pledges service for one sign-in attempt."""
    client = site.test_client()
    page = client.get("/login", **request).get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": csrf_of(page), "email": "a@example.org", "password": "x" * 16},
        **request,
    )
    return seen[-1]["X-Forwarded-For"]


def test_with_no_proxy_configured_a_visitor_cannot_choose_their_address(
    tmp_path: Path, pledges_recorder: tuple[str, list[dict[str, str]]]
) -> None:
    url, seen = pledges_recorder
    site = _offline_site(tmp_path, pledges_url=url)

    forwarded = _forwarded_for(
        site,
        seen,
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
        headers={"X-Forwarded-For": "203.0.113.77"},
    )

    assert forwarded == "198.51.100.9"


def test_behind_one_trusted_proxy_the_visitors_own_address_is_passed_on(
    tmp_path: Path, pledges_recorder: tuple[str, list[dict[str, str]]]
) -> None:
    url, seen = pledges_recorder
    site = _offline_site(tmp_path, pledges_url=url, trusted_proxy_hops=1)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}

    # The proxy appends the address it saw; whatever the visitor wrote before it is not believed.
    assert (
        _forwarded_for(site, seen, environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.7"})
        == "203.0.113.7"
    )
    spoofed = {"X-Forwarded-For": "192.0.2.1, 203.0.113.8"}
    assert _forwarded_for(site, seen, environ_base=proxy, headers=spoofed) == "203.0.113.8"


def test_the_trusted_proxy_hops_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert SiteSettings.load({"var_dir": tmp_path}).trusted_proxy_hops == 0
    monkeypatch.setenv("SITE_TRUSTED_PROXY_HOPS", "2")
    assert SiteSettings.load({"var_dir": tmp_path}).trusted_proxy_hops == 2
    monkeypatch.setenv("SITE_TRUSTED_PROXY_HOPS", "-1")
    with pytest.raises(ValueError, match="SITE_TRUSTED_PROXY_HOPS"):
        SiteSettings.load({"var_dir": tmp_path})
