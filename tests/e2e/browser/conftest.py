"""A whole Fundtrail served on real sockets, with its workers on the real broker, and Debian's
Chromium driven by Playwright: the site as a person meets it.

Chromium is the system's (`/usr/bin/chromium`, installed by `.ci/run`); Playwright never
downloads a browser here. Without Chromium, or without axe-core (`make test` installs it from
npm), the tests skip outside CI and fail in it.
"""

from __future__ import annotations

import json
import mailbox
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from services.registry import NAMES
from tests.conftest import unavailable
from tests.e2e.conftest import Fundtrail, eventually
from tests.factories import make_app, service_settings, set_clock

CHROMIUM = Path(os.environ.get("FUNDTRAIL_CHROMIUM", "/usr/bin/chromium"))
#: Flags for a closed network: without them Chromium keeps calling Google's hosts.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
#: axe-core's impacts that fail a page.
BLOCKING_IMPACTS = ("serious", "critical")


class _Late:
    """A WSGI app set after its server is listening: the site and the services each need the
    other's address before they are built."""

    app: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None, "served before the app was built"
        return self.app(environ, start_response)


def _serve(app: Callable[..., Any]) -> tuple[BaseWSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@dataclass
class LiveFundtrail:
    """The served system: the site's address, the services' apps, and what a person would
    otherwise find by hand (the mailbox, a settler run)."""

    url: str
    system: Fundtrail
    mail_dir: Path
    servers: list[BaseWSGIServer] = field(default_factory=list)

    def mail_to(self, address: str) -> EmailMessage:
        """The newest mail the updates service delivered to `address`, waiting for it."""

        def newest() -> EmailMessage | None:
            if not (self.mail_dir / "new").exists():
                return None
            box = mailbox.Maildir(self.mail_dir, create=False)
            found = [
                message_from_bytes(box.get_bytes(key), policy=policy.default)
                for key in box.iterkeys()
            ]
            mine = [m for m in found if m["To"] == address]
            return mine[-1] if mine else None  # type: ignore[return-value]

        return eventually(newest)

    def link_in_mail(self, address: str) -> str:
        """The site link in the newest mail to `address` (verification, password reset)."""
        body = self.mail_to(address).get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()
        found = re.search(re.escape(self.url) + r"/\S+", text)
        assert found, f"no link to the site in: {text}"
        return found.group(0)

    def pass_deadlines(self, by: timedelta) -> None:
        """Time passes for the pledges service, and its settler runs (as `make run`'s does every
        minute): every campaign whose deadline is now behind settles."""
        from services.pledges import handlers

        app = self.system.apps["pledges"]
        later = lambda: datetime.now(UTC) + by  # noqa: E731
        set_clock(app, later)
        dependencies = app.extensions["fundtrail"]
        handlers.settle_due(dependencies.uow_factory, dependencies.payment_gateway, later)

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.system.close()


@pytest.fixture
def live_fundtrail(tmp_path: Path, kafka_bootstrap: str) -> Iterator[LiveFundtrail]:
    from services.site.app import create_app as create_site
    from services.site.settings import SiteSettings

    site_entry = _Late()
    site_server, site_url = _serve(site_entry)
    group = f"browser-{uuid.uuid4().hex[:8]}"
    # Service-specific settings go under `extra`: mail links point at the served site.
    extra: dict[str, dict[str, Any]] = {
        "pledges": {},
        "ledger": {},
        "updates": {"extra": {"site_url": site_url}},
    }
    settings, apps = {}, {}
    for name in NAMES:
        url = f"sqlite:///{tmp_path / name}.db"
        common = dict(kafka=kafka_bootstrap, consumer_group_prefix=group, **extra[name])
        settings[name] = service_settings(name, url, tmp_path, **common)
        apps[name] = make_app(name, url, tmp_path, **common)
    servers, urls = [site_server], {}
    for name, app in apps.items():
        server, urls[name] = _serve(app)
        servers.append(server)
    site_entry.app = create_site(
        {"TESTING": False},
        settings=SiteSettings.load(
            {
                "var_dir": tmp_path,
                "pledges_url": urls["pledges"],
                "ledger_url": urls["ledger"],
                "updates_url": urls["updates"],
                "ledger_public_url": urls["ledger"],
                "public_url": site_url,
                "timeout": 10.0,
            }
        ),
    )
    system = Fundtrail(apps=apps, settings=settings, kafka=kafka_bootstrap)
    for name in NAMES:
        system.start_worker(name)
    live = LiveFundtrail(site_url, system, tmp_path / "mail", servers)
    try:
        yield live
    finally:
        live.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, for the whole run."""
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Person:
    """One person's browser window: their own cookies, and what the page complained of."""

    page: Any
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def open_browser(chromium: Any, live_fundtrail: LiveFundtrail) -> Iterator[Callable[[], Person]]:
    """Opens a new, separate browser window (a person) on the site; closed after the test."""
    contexts: list[Any] = []

    def open_one() -> Person:
        context = chromium.new_context(base_url=live_fundtrail.url, locale="en-GB")
        context.set_default_timeout(20_000)
        contexts.append(context)
        person = Person(context.new_page())
        # A CSP violation, a script error or a missing stylesheet, icon or image shows up
        # here: the site should cause none. A page itself may answer 4xx (a refused form):
        # Chromium logs that as a console error too, so responses are judged by their kind.
        person.page.on("console", lambda message: _console_error(person, message))
        person.page.on("pageerror", lambda error: person.console_errors.append(str(error)))
        person.page.on("response", lambda response: _failed_resource(person, response))
        return person

    yield open_one
    for context in contexts:
        context.close()


def _console_error(person: Person, message: Any) -> None:
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        person.console_errors.append(message.text)


def _failed_resource(person: Person, response: Any) -> None:
    if response.status >= 400 and response.request.resource_type != "document":
        person.console_errors.append(f"{response.status} for {response.url}")


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        unavailable(f"axe-core is not installed at {AXE} (make test runs npm ci for it)")
    return AXE.read_text(encoding="utf-8")


def accessibility_violations(page: Any, axe_source: str) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each.

    Evaluated through the DevTools protocol, which the page's CSP does not govern: the site
    itself needs no inline script allowed for the check to run.
    """
    page.evaluate(axe_source)
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + json.dumps([node["target"] for node in violation["nodes"]][:5])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
