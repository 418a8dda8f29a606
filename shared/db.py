"""Database plumbing every service shares: engines, the outbox and inbox tables, a unit of work.

Each service owns its own database; these tables exist once in each of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.schema import SchemaItem

from shared.events import Envelope, encode
from shared.revocations import revocations_recorded


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that goes in as an aware datetime and comes out in UTC, on every database.

    SQLite keeps no offset, so without this a datetime would come back naive.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned for the dialect: SQLite gets WAL, foreign keys and write-locking BEGINs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True, **kwargs)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that reads, then writes, can fail with "database is locked"
        # when another writer got in between; taking the write lock up front serialises
        # writers instead, which is what the tier and balance checks rely on.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_postgresql(connection: Connection | Engine) -> bool:
    return connection.dialect.name == "postgresql"


def insert_rows(connection: Connection, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Execute the INSERT `statement` (ON CONFLICT clauses included) for all of `rows`.

    On PostgreSQL with a RETURNING clause: that makes SQLAlchemy batch the rows into multi-row
    INSERTs from one cached template ("insertmanyvalues"), where psycopg's plain executemany
    sends one INSERT a row, which costs the client as much CPU per row as a statement of its
    own. SQLite's executemany is already one prepared statement stepped per row."""
    if not rows:
        return
    if is_postgresql(connection):
        key = next(iter(statement.table.primary_key.columns))
        connection.execute(statement.returning(key), rows).close()
    else:
        connection.execute(statement, rows)


def copy_rows(connection: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table`, in this transaction.

    On PostgreSQL with COPY: no SQL text to build or for psycopg to parse per row, which is
    most of what a multi-row INSERT of a few hundred rows costs the client. Row triggers and
    constraints apply to COPY as to INSERT. The values go to psycopg as they are: aware
    datetimes, UUIDs, bytes, ints and strings, which it writes the way the columns' types read
    them. Elsewhere, and for a single row (COPY takes a round trip more than an INSERT: a
    request's one outbox row), a plain INSERT or executemany. `insert()` with the values as
    parameters, not `.values(...)`: SQLAlchemy then caches the compiled statement by table."""
    if not rows:
        return
    if len(rows) == 1 or not is_postgresql(connection):
        connection.execute(table.insert(), rows[0] if len(rows) == 1 else rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


# The plumbing tables' columns are built by functions so that each service's metadata and its
# first migration create exactly the same table from one definition.


def outbox_columns() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Index(
            "ix_outbox_unsent",
            "id",
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        ),
    ]


def processed_events_columns() -> list[SchemaItem]:
    return [
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
    ]


def revoked_accounts_columns() -> list[SchemaItem]:
    return [
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=False),
    ]


def revoked_tokens_columns() -> list[SchemaItem]:
    return [
        sa.Column("token_id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=False),
        # Past this the token is refused as expired anyway, so the row may then be dropped.
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    ]


PLUMBING_TABLES = {
    "outbox": outbox_columns,
    "processed_events": processed_events_columns,
    "revoked_accounts": revoked_accounts_columns,
    "revoked_tokens": revoked_tokens_columns,
}


def add_plumbing_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """Add the outbox, processed-events and revocation tables to a service's metadata."""
    return {name: sa.Table(name, metadata, *columns()) for name, columns in PLUMBING_TABLES.items()}


class HasEvents(Protocol):
    """An aggregate: it appends what happened to `events` and never publishes them itself."""

    events: list[Any]


class UnitOfWork:
    """One database transaction; whatever a handler changes and publishes commits together.

    Services subclass it to add their repositories in `_open(connection)`. Repositories note
    each aggregate they load or add in their `seen` list; at `commit()` the unit of work
    writes the events those aggregates collected to the outbox, in the same transaction
    (cosmicpython's `seen`), so a handler changes aggregates and commits and never lists
    events by hand. Leaving the block without `commit()` rolls everything back, outbox rows
    included.
    """

    def __init__(self, engine: Engine, tables: dict[str, sa.Table], producer: str) -> None:
        self._engine = engine
        self._tables = tables
        self._producer = producer
        self.connection: Connection | None = None
        self._revokes = False

    def __enter__(self) -> Self:
        self._revokes = False
        self.connection = self._engine.connect()
        self._transaction = self.connection.begin()
        self._open(self.connection)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self.connection is not None
        if self._transaction.is_active:
            self._transaction.rollback()
        self.forget()
        self.connection.close()
        self.connection = None

    def _open(self, connection: Connection) -> None:
        """Subclasses create their repositories here."""

    def prepare(self, events: Sequence[Any]) -> None:
        """Before a batch of events is handled: subclasses may load at once what the handlers
        will ask for one by one."""

    def _flush(self) -> None:
        """Subclasses write here what their repositories held back for the batch."""

    def _forget(self) -> None:
        """Subclasses drop here what their repositories keep in memory for the batch."""

    def _seen(self) -> Iterable[HasEvents]:
        """The aggregates this unit of work's repositories loaded or added, oldest first."""
        return ()

    def _wire(self, event: Any) -> tuple[str, Envelope]:
        """The topic and envelope of one of the service's domain events."""
        raise NotImplementedError(f"{type(self).__name__} publishes no domain events")

    def collect_new_events(self) -> Iterator[Any]:
        """Take the events the seen aggregates collected, in order, emptying their lists."""
        for aggregate in self._seen():
            while aggregate.events:
                yield aggregate.events.pop(0)

    def publish_new_events(self) -> None:
        """Write the seen aggregates' events to the outbox now: before releasing a savepoint,
        so they stand or fall with it (`commit()` does it anyway)."""
        self.publish_all([self._wire(event) for event in self.collect_new_events()])

    def flush(self) -> None:
        """Write everything held back so far (repositories' batched rows, then the outbox
        rows of the seen aggregates' events): before releasing a savepoint, so they stand or
        fall with it, and at `commit()`."""
        self._flush()
        self.publish_new_events()

    def forget(self) -> None:
        """After a rollback (to a savepoint, or wholly): forget the seen aggregates' events
        and whatever the repositories kept in memory, which no longer matches the database."""
        self.drop_new_events()
        self._forget()

    def drop_new_events(self) -> None:
        """Forget the seen aggregates' events: their changes were rolled back (to a savepoint,
        or wholly), so they never happened."""
        for aggregate in self._seen():
            aggregate.events.clear()

    def commit(self) -> None:
        self.flush()
        self._transaction.commit()
        if self._revokes:
            # Only once committed: a cache reading before this would miss the row for good.
            revocations_recorded()

    def rollback(self) -> None:
        self._transaction.rollback()
        self.forget()

    @property
    def conn(self) -> Connection:
        if self.connection is None:
            raise RuntimeError("the unit of work is not open")
        return self.connection

    def publish(self, topic: str, envelope: Envelope) -> None:
        """Queue `envelope` for `topic` in this transaction; the relay sends it after commit.

        For what no aggregate records (an account's announcements, a signed checkpoint):
        aggregates' events are published by `commit()`."""
        self.publish_all([(topic, envelope)])

    def publish_all(self, messages: Sequence[tuple[str, Envelope]]) -> None:
        """Queue several (topic, envelope) in this transaction, in order, in one statement."""
        copy_rows(
            self.conn,
            self._tables["outbox"],
            [
                {
                    "event_id": envelope.event_id,
                    "topic": topic,
                    "key": envelope.key,
                    "value": encode(envelope),
                    "created_at": envelope.occurred_at,
                }
                for topic, envelope in messages
            ],
        )

    def first_time(self, envelope: Envelope) -> bool:
        """Record that this service handled `envelope`; False if it already had."""
        table = self._tables["processed_events"]
        values = {
            "event_id": envelope.event_id,
            "event_type": envelope.type,
            "processed_at": datetime.now(UTC),
        }
        insert = _insert_ignoring_duplicates(self.conn, table, values)
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        return self.conn.execute(insert.returning(table.c.event_id)).first() is not None

    def first_times(self, envelopes: Sequence[Envelope]) -> set[Any]:
        """Record that this service handled all of `envelopes`, in one statement; the ids of
        those it had not handled before (an id repeated within `envelopes` is returned once:
        the caller handles its first copy only)."""
        if not envelopes:
            return set()
        table = self._tables["processed_events"]
        now = datetime.now(UTC)
        if is_postgresql(self.conn):
            # One short statement whatever the count, so psycopg parses it once per process.
            unique = {envelope.event_id: envelope.type for envelope in envelopes}
            inserted = self.conn.execute(
                sa.text(
                    "INSERT INTO processed_events (event_id, event_type, processed_at)"
                    " SELECT event_id, event_type, :now"
                    " FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]))"
                    " AS batch (event_id, event_type)"
                    " ON CONFLICT DO NOTHING RETURNING event_id"
                ),
                {"ids": list(unique), "types": list(unique.values()), "now": now},
            )
            return set(inserted.scalars())
        rows = {
            envelope.event_id: {
                "event_id": envelope.event_id,
                "event_type": envelope.type,
                "processed_at": now,
            }
            for envelope in envelopes
        }
        dialect = _dialect(self.conn)
        insert = dialect.insert(table).values(list(rows.values())).on_conflict_do_nothing()
        return set(self.conn.execute(insert.returning(table.c.event_id)).scalars())

    def revoke_account(self, account_id: Any, revoked_at: Any) -> None:
        table = self._tables["revoked_accounts"]
        values = {"account_id": account_id, "revoked_at": revoked_at}
        self._revokes = True
        self.conn.execute(_insert_ignoring_duplicates(self.conn, table, values))

    def revoke_token(
        self, token_id: Any, account_id: Any, revoked_at: datetime, expires_at: datetime
    ) -> None:
        """Remember that one token is refused from now on (its account's others are not)."""
        table = self._tables["revoked_tokens"]
        values = {
            "token_id": token_id,
            "account_id": account_id,
            "revoked_at": revoked_at,
            "expires_at": expires_at,
        }
        self._revokes = True
        self.conn.execute(_insert_ignoring_duplicates(self.conn, table, values))


def _insert_ignoring_duplicates(
    connection: Connection, table: sa.Table, values: dict[str, Any]
) -> Any:
    return _dialect(connection).insert(table).values(**values).on_conflict_do_nothing()


def _dialect(connection: Connection) -> Any:
    """The module of the dialect's INSERT with ON CONFLICT (PostgreSQL's or SQLite's)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql if is_postgresql(connection) else sqlite
