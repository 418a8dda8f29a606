"""The e-mail repositories: readers' addresses, unsubscriptions, the mail outbox, and the one
claim that both mail queues (update mail, account mail) are drained with."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.updates.adapters.tables import MAIL_TABLES
from shared.db import is_postgresql
from shared.languages import DEFAULT_LANGUAGE

addresses = MAIL_TABLES["mail_addresses"]
confirmed = MAIL_TABLES["mail_confirmed_accounts"]
unsubscriptions = MAIL_TABLES["mail_unsubscriptions"]
list_unsubscriptions = MAIL_TABLES["mail_list_unsubscriptions"]
mail_updates = MAIL_TABLES["mail_updates"]
mail_outbox = MAIL_TABLES["mail_outbox"]

T = TypeVar("T")
#: Ids per `IN (...)` list: well under SQLite's limit on bound parameters.
CHUNK = 500
#: How long a claimed row is left alone: a sender that dies mid-batch has it retried after this.
LEASE = timedelta(minutes=5)


def claim_due(
    engine: Engine,
    table: sa.Table,
    now: datetime,
    limit: int,
    lease_until: datetime,
    read: Callable[[Connection, list[Any]], list[T]],
) -> list[T]:
    """Up to `limit` pending rows of a mail queue `table` due at `now`, each counted as tried
    and leased until `lease_until`; `read` turns their keys into what the sender needs.

    One short transaction: due rows another sender has locked are skipped, the lease keeps them
    from the next claim, and a sender that dies mid-batch has them retried when it runs out.
    The sending then happens with no transaction open: a slow mail server holds no lock (on
    SQLite, the whole database's).
    """
    key = table.primary_key.columns.values()[0]
    due = (
        sa.select(key)
        .where(table.c.status == "pending", table.c.next_try_at <= now)
        .order_by(table.c.next_try_at, key)
        .limit(limit)
    )
    with engine.begin() as connection:
        if is_postgresql(connection):
            due = due.with_for_update(skip_locked=True)
        keys = list(connection.execute(due).scalars())
        if not keys:
            return []
        connection.execute(
            table.update()
            .where(key.in_(keys))
            .values(attempts=table.c.attempts + 1, next_try_at=lease_until)
        )
        return read(connection, keys)


def _chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _insert_ignoring_duplicates(connection: Connection, table: sa.Table) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if is_postgresql(connection) else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


class MailAddresses:
    """Each account's address, from `account.created`; read only to address its messages."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def record(
        self, account_id: uuid.UUID, email: str, at: datetime, language: str = DEFAULT_LANGUAGE
    ) -> None:
        held = self._connection.execute(
            sa.select(addresses.c.updated_at).where(addresses.c.account_id == account_id)
        ).scalar_one_or_none()
        values = {"email": email, "updated_at": at, "language": language}
        if held is None:
            self._connection.execute(addresses.insert().values(account_id=account_id, **values))
        elif held <= at:
            self._connection.execute(
                addresses.update().where(addresses.c.account_id == account_id).values(**values)
            )

    def choose_language(self, account_id: uuid.UUID, language: str, at: datetime) -> None:
        """Write `account_id`'s mail in `language`, unless something newer was heard (a late,
        redelivered change must not undo a later one). No row, no mail: nothing to do."""
        self._connection.execute(
            addresses.update()
            .where(addresses.c.account_id == account_id, addresses.c.updated_at <= at)
            .values(language=language, updated_at=at)
        )

    def language(self, account_id: uuid.UUID) -> str:
        """What `account_id`'s mail is written in; English when its address is not known yet."""
        found = self._connection.execute(
            sa.select(addresses.c.language).where(addresses.c.account_id == account_id)
        ).scalar_one_or_none()
        return found or DEFAULT_LANGUAGE

    def confirm(self, account_id: uuid.UUID, at: datetime) -> None:
        """`account_id`'s address is proven; the first word of it is kept, again changes nothing."""
        insert = _insert_ignoring_duplicates(self._connection, confirmed)
        self._connection.execute(insert.values(account_id=account_id, confirmed_at=at))

    def reachable(self, account_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of `account_ids` have an address, proven by its owner: the only ones mailed."""
        found: set[uuid.UUID] = set()
        for chunk in _chunks(account_ids):
            query = (
                sa.select(addresses.c.account_id)
                .join(confirmed, confirmed.c.account_id == addresses.c.account_id)
                .where(addresses.c.account_id.in_(chunk))
            )
            found.update(self._connection.execute(query).scalars())
        return found


class Unsubscriptions:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self, account_id: uuid.UUID, campaign_id: uuid.UUID, at: datetime, kind: str = "updates"
    ) -> None:
        """Stop `account_id`'s mail of `kind` about `campaign_id` (update mail, with its
        retraction notices, unless told otherwise); a second time changes nothing."""
        values = {"account_id": account_id, "campaign_id": campaign_id, "unsubscribed_at": at}
        if kind == "updates":
            insert = _insert_ignoring_duplicates(self._connection, unsubscriptions)
        else:
            insert = _insert_ignoring_duplicates(self._connection, list_unsubscriptions)
            values["list_kind"] = kind
        self._connection.execute(insert.values(**values))

    def of_campaign(self, campaign_id: uuid.UUID) -> set[uuid.UUID]:
        query = sa.select(unsubscriptions.c.account_id).where(
            unsubscriptions.c.campaign_id == campaign_id
        )
        return set(self._connection.execute(query).scalars())


@dataclass(frozen=True, kw_only=True)
class MailUpdate:
    """What one announced update's messages say."""

    update_id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_title: str
    kind: str
    title: str
    body_html: str
    url: str
    published_at: datetime
    #: No money moves for the campaign: every message says so.
    test_mode: bool = True


class MailOutbox:
    """Messages waiting to be sent, one per (update, reader), written in the handler's
    transaction; the sender (`MailQueue`) drains them."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def enqueue(self, update: MailUpdate, account_ids: Sequence[uuid.UUID], at: datetime) -> None:
        """Queue one message per reader; readers already queued for this update are skipped."""
        insert = _insert_ignoring_duplicates(self._connection, mail_updates)
        self._connection.execute(insert.values(**update.__dict__))
        for chunk in _chunks(account_ids, 1000):
            rows = [
                {
                    "update_id": update.update_id,
                    "account_id": account_id,
                    "status": "pending",
                    "attempts": 0,
                    "next_try_at": at,
                    "created_at": at,
                }
                for account_id in chunk
            ]
            self._connection.execute(
                _insert_ignoring_duplicates(self._connection, mail_outbox), rows
            )


@dataclass(frozen=True, kw_only=True)
class QueuedMail:
    """A claimed outbox row with what its message needs."""

    id: int
    attempts: int
    account_id: uuid.UUID
    email: str | None
    unsubscribed: bool
    update: MailUpdate
    #: The reader's language: the message's frame (greeting, links, footer) is written in it.
    language: str = DEFAULT_LANGUAGE


class MailQueue:
    """The sender's side of the mail outbox: claim what is due, then record what happened.

    Each step is its own short transaction, and none is open while a message is being sent: a
    slow SMTP server must not hold a database lock (on SQLite, the whole database's).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[QueuedMail]:
        """Up to `limit` due rows, each counted as tried and leased until `lease_until`."""
        return claim_due(self._engine, mail_outbox, now, limit, lease_until, self._read)

    @staticmethod
    def _read(connection: Connection, ids: list[Any]) -> list[QueuedMail]:
        query = (
            sa.select(
                mail_outbox.c.id,
                mail_outbox.c.attempts,
                mail_outbox.c.account_id,
                addresses.c.email,
                addresses.c.language.label("reader_language"),
                unsubscriptions.c.account_id.is_not(None).label("unsubscribed"),
                *mail_updates.c,
            )
            .join(mail_updates, mail_updates.c.update_id == mail_outbox.c.update_id)
            .outerjoin(addresses, addresses.c.account_id == mail_outbox.c.account_id)
            .outerjoin(
                unsubscriptions,
                sa.and_(
                    unsubscriptions.c.account_id == mail_outbox.c.account_id,
                    unsubscriptions.c.campaign_id == mail_updates.c.campaign_id,
                ),
            )
            .where(mail_outbox.c.id.in_(ids))
            .order_by(mail_outbox.c.id)
        )
        rows = connection.execute(query).mappings().all()
        update_fields = {name for name in MailUpdate.__dataclass_fields__}
        return [
            QueuedMail(
                id=row["id"],
                attempts=row["attempts"],
                account_id=row["account_id"],
                email=row["email"],
                unsubscribed=bool(row["unsubscribed"]),
                update=MailUpdate(**{k: v for k, v in row.items() if k in update_fields}),
                language=row["reader_language"] or DEFAULT_LANGUAGE,
            )
            for row in rows
        ]

    def mark_sent(self, ids: Sequence[int], at: datetime) -> None:
        self._set(ids, status="sent", sent_at=at, last_error=None)

    def mark_dropped(self, ids: Sequence[int], reason: str) -> None:
        self._set(ids, status="dropped", last_error=reason)

    def mark_failed(self, row_id: int, error: str, retry_at: datetime | None) -> None:
        """A failed try: again at `retry_at`, or, when None, given up (the row is kept)."""
        if retry_at is None:
            self._set([row_id], status="failed", last_error=error)
        else:
            self._set([row_id], next_try_at=retry_at, last_error=error)

    def _set(self, ids: Sequence[int], **values: Any) -> None:
        if not ids:
            return
        with self._engine.begin() as connection:
            for chunk in _chunks(ids):
                connection.execute(
                    mail_outbox.update().where(mail_outbox.c.id.in_(chunk)).values(**values)
                )
