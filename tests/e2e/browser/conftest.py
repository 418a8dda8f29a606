"""A whole Fundtrail served on real sockets, with its workers on the real broker, and Debian's
Chromium driven by Playwright: the site as a person meets it.

`live_fundtrail` serves it in test mode (the record-only gateway); parametrised indirectly with
`STRIPE` (`@pytest.mark.parametrize("live_fundtrail", [STRIPE], indirect=True)`) its pledges
service charges through stripe-mock instead, so money "moves", and `LiveFundtrail.trigger` plays
Stripe's side (`fundtrail payments trigger`).

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
from tests.stripe_support import TEST_SECRET_KEY, TEST_WEBHOOK_SECRET

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
#: `live_fundtrail`'s parameter for an installation whose money moves (through stripe-mock).
STRIPE = "stripe"
#: The platform's fee where payments go through Stripe: 5 %, so the books show one.
PLATFORM_FEE_BPS = 500
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
    #: Each service's served address, by name.
    service_urls: dict[str, str] = field(default_factory=dict)

    def mail_to(self, address: str, subject: str = "") -> EmailMessage:
        """The newest mail the updates service delivered to `address` (whose subject holds
        `subject`, if given), waiting for it."""

        def newest() -> EmailMessage | None:
            if not (self.mail_dir / "new").exists():
                return None
            box = mailbox.Maildir(self.mail_dir, create=False)
            found = [
                message_from_bytes(box.get_bytes(key), policy=policy.default)
                for key in box.iterkeys()
            ]
            mine = [m for m in found if m["To"] == address and subject in str(m["Subject"])]
            return mine[-1] if mine else None  # type: ignore[return-value]

        return eventually(newest)

    def link_in_mail(self, address: str, subject: str = "") -> str:
        """The site link in the newest mail to `address` (verification, password reset; or
        the one whose subject holds `subject`)."""
        body = self.mail_to(address, subject).get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()
        found = re.search(re.escape(self.url) + r"/\S+", text)
        assert found, f"no link to the site in: {text}"
        return found.group(0)

    def pass_deadlines(self, by: timedelta) -> None:
        """Time passes for the pledges service, and its settler runs a round (as `make run`'s
        does every minute, `fundtrail settle`): every campaign whose deadline is now behind
        settles, and every pledge whose failed payment's grace period is over drops."""
        from services.pledges import handlers

        app = self.system.apps["pledges"]
        later = lambda: datetime.now(UTC) + by  # noqa: E731
        set_clock(app, later)
        dependencies = app.extensions["fundtrail"]
        handlers.settle_due(
            dependencies.uow_factory,
            dependencies.payment_gateway,
            later,
            payment_grace=dependencies.payment_settings.payment_grace,
        )
        handlers.drop_unpaid(dependencies.uow_factory, later)

    def trigger(self, what: str, *args: str) -> str:
        """`fundtrail payments trigger WHAT ARGS --to <the served webhook>`, as a person trying
        the payments locally runs it: Stripe's event, signed and delivered. Its output."""
        from click.testing import CliRunner

        from services.cli import main as fundtrail_cli

        env = {
            "PLEDGES_DATABASE_URL": self.system.settings["pledges"]["database_url"],
            "FUNDTRAIL_VAR_DIR": str(self.system.settings["pledges"]["var_dir"]),
            "FUNDTRAIL_LOG_FORMAT": "json",
            "STRIPE_SECRET_KEY": TEST_SECRET_KEY,
            "STRIPE_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
            "STRIPE_API_BASE": "http://127.0.0.1:1",  # trigger never calls Stripe itself
            "FUNDTRAIL_PLATFORM_FEE_BPS": str(PLATFORM_FEE_BPS),
        }
        webhook = f"{self.service_urls['pledges']}/api/v1/payments/stripe/webhook"
        result = CliRunner().invoke(
            fundtrail_cli, ["payments", "trigger", what, *args, "--to", webhook], env=env
        )
        assert result.exit_code == 0, result.output
        return result.output

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.system.close()


@pytest.fixture
def live_fundtrail(
    request: pytest.FixtureRequest, tmp_path: Path, kafka_bootstrap: str
) -> Iterator[LiveFundtrail]:
    from services.site.app import create_app as create_site
    from services.site.settings import DEFAULT_PAYMENT_PAGES, SiteSettings

    # Asked first: without stripe-mock the test skips (fails in CI) before anything is served.
    with_stripe = getattr(request, "param", None) == STRIPE
    stripe_api = request.getfixturevalue("stripe_mock") if with_stripe else ""
    site_entry = _Late()
    site_server, site_url = _serve(site_entry)
    group = f"browser-{uuid.uuid4().hex[:8]}"
    # Service-specific settings go under `extra`: mail links (and, with Stripe, the pages
    # Stripe sends people back to) point at the served site. Without STRIPE, no key: test mode
    # whatever the shell running the tests exports.
    no_keys = {"stripe_secret_key": "", "stripe_webhook_secret": ""}
    extra: dict[str, dict[str, Any]] = {
        "pledges": {"extra": {"site_url": site_url, **no_keys}},
        "ledger": {},
        "updates": {"extra": {"site_url": site_url}},
    }
    site_extra: dict[str, Any] = {}
    if with_stripe:
        extra["pledges"]["extra"].update(
            stripe_secret_key=TEST_SECRET_KEY,
            stripe_webhook_secret=TEST_WEBHOOK_SECRET,
            stripe_api_base=stripe_api,
            platform_fee_bps=PLATFORM_FEE_BPS,
        )
        extra["updates"]["extra"]["payments_live"] = True
        # stripe-mock's onboarding link is a fixture on a Stripe developer's host: the site's
        # CSP must let the console's form lead there, as it does to connect.stripe.com.
        site_extra["payment_pages"] = (*DEFAULT_PAYMENT_PAGES, "https://*.stripe.me")
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
                **site_extra,
            }
        ),
    )
    system = Fundtrail(apps=apps, settings=settings, kafka=kafka_bootstrap)
    for name in NAMES:
        system.start_worker(name)
    live = LiveFundtrail(site_url, system, tmp_path / "mail", servers, urls)
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
def open_browser(chromium: Any, live_fundtrail: LiveFundtrail) -> Iterator[Callable[..., Person]]:
    """Opens a new, separate browser window (a person) on the site, in `locale` (which sets
    Accept-Language); closed after the test."""
    contexts: list[Any] = []

    def open_one(locale: str = "en-GB") -> Person:
        context = chromium.new_context(base_url=live_fundtrail.url, locale=locale)
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
    page.wait_for_load_state("load")  # styles decide contrast: see layout_problems
    page.evaluate(axe_source)
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + json.dumps([node["target"] for node in violation["nodes"]][:5])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


#: A phone's screen as WCAG and the issue measure it (CSS pixels), and a laptop's.
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
#: WCAG 2.2's minimum target size (2.5.8, AA), in CSS pixels each way.
MIN_TARGET = 24

#: Run in the page by `layout_problems`.
LAYOUT_PROBE = Path(__file__).with_name("layout_probe.js")


def layout_problems(page: Any) -> list[str]:
    """What keeps the page from working on the screen it is shown on, one line each: scrolling
    sideways (a wide table or word pushing the page past the viewport; a box that scrolls on
    its own is fine), and tap targets smaller than WCAG 2.2's 24×24 CSS pixels outside a
    sentence. Empty when the page fits."""
    # After a click that navigates, Playwright returns once the new page commits: under load
    # its style sheet may still be on the way, and an unstyled page has small targets.
    page.wait_for_load_state("load")
    found: list[str] = page.evaluate(LAYOUT_PROBE.read_text(encoding="utf-8"), MIN_TARGET)
    return found
