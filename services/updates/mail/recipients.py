"""What every notice the updates service writes needs of its recipient and the site: the
recipient's words, the site's pages it links to, and the test-mode line first while the
campaign's money is not real. Shared by payment, pledge and update mail."""

from __future__ import annotations

import uuid

from services.updates.mail.messages import test_mode_notice
from services.updates.settings import UpdatesSettings
from services.updates.unit_of_work import UpdatesUnitOfWork
from services.updates.words import words
from shared.wording import Words


def recipient_words(uow: UpdatesUnitOfWork, account_id: uuid.UUID) -> Words:
    """The recipient's words: the message is written now, in the language they chose by now."""
    return words(uow.mail_addresses.language(account_id))


def campaign_page(settings: UpdatesSettings, campaign_id: uuid.UUID) -> str:
    """The campaign's page on the site: its pledge (and card button) and its public ledger."""
    return f"{settings.site_url}/campaigns/{campaign_id}"


def update_page(settings: UpdatesSettings, campaign_id: uuid.UUID, update_id: uuid.UUID) -> str:
    """The update's page on the site (it asks a reader who is not signed in to sign in), not
    the updates API, which a browser shows as JSON, without a backers-only update's text."""
    return f"{campaign_page(settings, campaign_id)}/updates/{update_id}"


def with_test_mode(
    uow: UpdatesUnitOfWork, account_id: uuid.UUID, text: str, test_mode: bool
) -> str:
    """`text`, after the test-mode line in the recipient's language when no money moves."""
    if not test_mode:
        return text
    return f"{test_mode_notice(recipient_words(uow, account_id))}\n\n{text}"
