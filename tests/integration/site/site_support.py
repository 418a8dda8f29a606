"""The site's test stack: the three real service apps served on free ports, fed each other's
events as their workers would, and the site app pointed at them."""

from __future__ import annotations

import html
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from services.site.app import create_app
from tests.factories import bearer, campaign_body, create_account, make_app
from tests.integration.ledger.ledger_support import ORIGIN
from tests.integration.pledges.helpers import MovableClock, install_clock

SERVICES = ("pledges", "ledger", "updates")


@dataclass
class Stack:
    """Pledges, ledger and updates on real databases and real sockets, and the site over them."""

    apps: dict[str, flask.Flask]
    servers: list[BaseWSGIServer]
    site: flask.Flask
    clock: MovableClock
    heard: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SERVICES, 0))
    #: Words meant for programmers that a page showed a person (see `watch_words`).
    programmers_words: list[str] = field(default_factory=list)

    @property
    def pledges(self) -> FlaskClient:
        return self.apps["pledges"].test_client()

    def relay(self) -> None:
        """Play every worker: deliver each service's new outbox rows to the services consuming
        their topic, until nothing new is written."""
        from tests.factories import consume

        while True:
            delivered = False
            for name, app in self.apps.items():
                outbox = app.extensions["fundtrail"].tables["outbox"]
                with app.extensions["fundtrail"].engine.connect() as connection:
                    rows = connection.execute(
                        sa.select(outbox.c.id, outbox.c.topic, outbox.c.value)
                        .where(outbox.c.id > self.heard[name])
                        .order_by(outbox.c.id)
                    ).all()
                for row_id, topic, value in rows:
                    self.heard[name] = row_id
                    delivered = True
                    for consumer in self.apps.values():
                        if topic in consumer.extensions["fundtrail"].spec.topics:
                            consume(consumer, value, topic)
            if not delivered:
                return

    def account(self, role: str, name: str = "Test") -> tuple[uuid.UUID, str]:
        account = create_account(self.apps["pledges"], role, name)
        self.relay()
        return account

    def campaign(self, token: str, launch: bool = True, **body: Any) -> dict[str, Any]:
        response = self.pledges.post(
            "/api/v1/campaigns", json=campaign_body(**body), headers=bearer(token)
        )
        assert response.status_code == 201, response.get_json()
        made: dict[str, Any] = response.get_json()
        if launch:
            launched = self.pledges.post(
                f"/api/v1/campaigns/{made['id']}/launch", headers=bearer(token)
            )
            assert launched.status_code == 200, launched.get_json()
            made = launched.get_json()
        self.relay()
        return made

    def funded_campaign(
        self, backer: str | None = None, amount: int = 12_345
    ) -> tuple[str, FlaskClient, str]:
        """A creator's flexible campaign "Cider press" that succeeded with one pledge of
        `amount` collected (from `backer`'s token, else a new backer's): its id, the creator's
        browser on the site, and the creator's token."""
        _, creator = self.account("creator")
        if backer is None:
            _, backer = self.account("backer")
        campaign = self.campaign(creator, title="Cider press", funding_model="flexible")
        pledged = self.pledges.post(
            f"/api/v1/campaigns/{campaign['id']}/pledges",
            json={"amount": amount},
            headers=bearer(backer),
        )
        assert pledged.status_code == 201, pledged.get_json()
        self.clock.travel(days=31)
        settled = self.pledges.post(
            f"/api/v1/campaigns/{campaign['id']}/settle", headers=bearer(creator)
        )
        assert settled.get_json()["status"] == "succeeded"
        self.relay()
        return campaign["id"], self.site_client(creator), creator

    def balance(self, campaign_id: str) -> dict[str, Any]:
        """The campaign's figures as the ledger has them."""
        ledger = self.apps["ledger"].test_client()
        found: dict[str, Any] = ledger.get(f"/api/v1/campaigns/{campaign_id}/balance").get_json()
        return found

    def site_client(self, token: str | None = None, role: str = "backer") -> FlaskClient:
        """A browser on the site; with `token`, signed in as that account."""
        client = self.site.test_client()
        if token is not None:
            me = self.pledges.get("/api/v1/me", headers=bearer(token)).get_json()
            with client.session_transaction() as session:
                session.update(token=token, account_id=me["account_id"], role=me["role"])
        return client


#: What only a programmer should read: a method and a path, an API path, a field's name.
PROGRAMMERS_WORDS = re.compile(
    r"\b(?:GET|POST|PUT|PATCH|DELETE) /|/api/v1|/me/|(?<![\w.@-])[a-z]+(?:_[a-z]+)+\b(?![\w.-]*@)"
)
#: Where a page tells a person what happened: notices, form errors, an error page's message.
_TOLD = re.compile(
    r'<div class="(?:notice|form-errors)"[^>]*>(.*?)</div>'
    r'|<p class="(?:error|message)"[^>]*>(.*?)</p>',
    re.S,
)


def watch_words(stack: Stack) -> None:
    """Note every notice, form error and error message the site shows that holds words meant
    for programmers: every site test then checks that refusals reach people in their words."""

    def check(response: flask.Response) -> flask.Response:
        if response.mimetype == "text/html" and not response.direct_passthrough:
            page = response.get_data(as_text=True)
            for match in _TOLD.finditer(page):
                told = html.unescape(re.sub(r"<[^>]*>", " ", match.group(1) or match.group(2)))
                if PROGRAMMERS_WORDS.search(told):
                    stack.programmers_words.append(" ".join(told.split()))
        return response

    stack.site.after_request(check)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the form has no CSRF token"
    return found.group(1)


def error_in_focus(page: str, field_id: str) -> None:
    """`page` came back with an error on the field `field_id`: that field alone takes the focus
    (so the browser scrolls to it, however long the page) and names its error for screen
    readers."""
    tag = re.search(rf'<(?:input|textarea|select) id="{re.escape(field_id)}"[^>]*>', page, re.S)
    assert tag, f"no field {field_id}"
    assert re.search(r"\sautofocus\b", tag.group(0)), tag.group(0)
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described and f"{field_id}-error1" in described.group(1).split(), tag.group(0)
    assert f'id="{field_id}-error1"' in page
    assert len(re.findall(r"\sautofocus\b", page)) == 1


def confirmation_of(page: str) -> tuple[str, dict[str, str]]:
    """A confirmation page's form: where it posts, and the hidden fields its danger button
    sends (the confirmation and what was typed before)."""
    form = re.search(
        r'<form method="post" action="([^"]+)" class="confirm">(.*?)</form>', page, re.S
    )
    assert form, "the page has no confirmation form"
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    return html.unescape(form.group(1)), {n: html.unescape(v) for n, v in hidden}


def confirm(client: FlaskClient, page: str, **kwargs: Any) -> Any:
    """Press the confirmation page's danger button."""
    action, fields = confirmation_of(page)
    return client.post(action, data=fields, **kwargs)


def serve(app: flask.Flask) -> tuple[BaseWSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def database_urls(
    request: pytest.FixtureRequest, database_kind: str, tmp_path: Path
) -> Callable[[str], str]:
    """One new database per service: SQLite files, or PostgreSQL databases."""
    if database_kind == "sqlite":
        return lambda name: f"sqlite:///{tmp_path / name}.db"
    factory: Callable[[], str] = request.getfixturevalue("postgres_database_factory")
    return lambda name: factory()


@pytest.fixture
def stack(database_urls: Callable[[str], str], tmp_path: Path) -> Iterator[Stack]:
    apps = {
        "pledges": make_app("pledges", database_urls("pledges"), tmp_path),
        "ledger": make_app(
            "ledger",
            database_urls("ledger"),
            tmp_path,
            extra={"checkpoint_interval": 0, "log_origin": ORIGIN},
        ),
        "updates": make_app("updates", database_urls("updates"), tmp_path),
    }
    clock = install_clock(apps["pledges"])
    servers, urls = [], {}
    for name, app in apps.items():
        server, urls[name] = serve(app)
        servers.append(server)
    site = create_app({"TESTING": True}, settings=_site_settings(urls, tmp_path))
    built = Stack(apps, servers, site, clock)
    watch_words(built)
    try:
        yield built
        assert built.programmers_words == [], "pages showed people programmers' words"
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for app in apps.values():
            app.extensions["fundtrail"].engine.dispose()


def _site_settings(urls: dict[str, str], var_dir: Path) -> Any:
    from services.site.settings import SiteSettings

    return SiteSettings.load(
        {
            "var_dir": var_dir,
            "pledges_url": urls["pledges"],
            "ledger_url": urls["ledger"],
            "updates_url": urls["updates"],
            "ledger_public_url": "https://ledger.example.org",
            "timeout": 10.0,
        }
    )
