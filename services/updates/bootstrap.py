"""The updates service's composition root: the one place its real adapters are wired."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from services.updates.adapters.mail import MailQueue
from services.updates.adapters.tables import TABLES
from services.updates.consumer import HANDLERS, TOPICS
from services.updates.mail.account_mail import AccountMailSender
from services.updates.mail.sender import MailSender
from services.updates.mail.tokens import UnsubscribeTokens
from services.updates.mail.transports import Mailer, mailer_from_settings
from services.updates.settings import UpdatesSettings
from services.updates.unit_of_work import UpdatesUnitOfWork
from shared import markdown
from shared.bootstrap import BackgroundJob, Dependencies, core_dependencies
from shared.config import Settings
from shared.picture_store import FileSystemPictureStore, PictureStore
from shared.sealing import LinkOpener
from shared.service import ServiceSpec
from shared.web.app import current_dependencies as app_dependencies

SERVICE = ServiceSpec(
    name="updates",
    port=8003,
    tables=TABLES,
    uow_class=UpdatesUnitOfWork,
    topics=TOPICS,
    handlers=HANDLERS,
    app_factory="services.updates.app:create_app()",
)


@dataclass(frozen=True, kw_only=True)
class UpdatesDependencies(Dependencies):
    uow_factory: Callable[[], UpdatesUnitOfWork]
    #: What the updates service needs beyond the settings every service shares.
    updates_settings: UpdatesSettings
    #: Where notifications go: an SMTP server (`SMTP_URL`) or, by default, the Maildir var/mail.
    mailer: Mailer
    #: Signs and checks the one-click unsubscribe links.
    unsubscribe_tokens: UnsubscribeTokens
    #: Opens the link tokens the pledges service sealed for us (only we hold the private key).
    link_opener: LinkOpener
    #: The pictures of one campaign's updates, each width by the picture's SHA-256 (kept per
    #: campaign: one campaign's updates can show only its own creator's uploads).
    update_images: Callable[[uuid.UUID], PictureStore]

    def background_jobs(self) -> tuple[BackgroundJob, ...]:
        """The mail sender (account links, then updates), draining both queues in a thread of
        the worker."""
        sender = MailSender(
            MailQueue(self.engine),
            self.mailer,
            self.unsubscribe_tokens,
            self.updates_settings,
            self.clock,
        )
        # Verification and password links first: few, and somebody is waiting for each.
        account_sender = AccountMailSender(
            self.engine,
            self.mailer,
            self.updates_settings,
            self.clock,
            self.link_opener,
            self.unsubscribe_tokens,
        )
        return (
            BackgroundJob(
                name="mail-sender",
                every=self.updates_settings.mail_poll_interval,
                run=lambda: (account_sender.run_round(), sender.run_round()),
            ),
        )


def bootstrap(
    settings_overrides: dict[str, Any] | None = None, **replacements: Any
) -> UpdatesDependencies:
    """The updates service's dependencies; `replacements` swap any of them."""
    settings = Settings.load(SERVICE.name, settings_overrides)
    updates_settings = UpdatesSettings.load(settings)
    dependencies = UpdatesDependencies(
        **core_dependencies(SERVICE, settings),
        updates_settings=updates_settings,
        mailer=mailer_from_settings(updates_settings.smtp_url, updates_settings.maildir),
        unsubscribe_tokens=UnsubscribeTokens.from_key_file(updates_settings.unsubscribe_key_file),
        link_opener=LinkOpener.from_key_file(settings.link_key_path, settings.link_public_key_path),
        update_images=lambda campaign_id: FileSystemPictureStore(
            updates_settings.images_dir / str(campaign_id)
        ),
    )
    # Only pictures uploaded here, at the site's address, show inline in an update's body.
    markdown.allow_images_from(updates_settings.site_url)
    return dataclasses.replace(dependencies, **replacements) if replacements else dependencies


def current_dependencies() -> UpdatesDependencies:
    """The updates service's dependencies, as the app serving this request was built with: the one
    way its routes and pages reach them. Read per request, so a test that swaps the app's
    dependencies (a clock standing after a deadline) is seen by the next request."""
    return cast(UpdatesDependencies, app_dependencies())
