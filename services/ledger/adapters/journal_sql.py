"""The journal's SQL by dialect: ON CONFLICT inserts and PostgreSQL's hot statements."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.db import is_postgresql


def dialect_insert(connection: Connection, table: sa.Table) -> Any:
    """INSERT with the dialect's ON CONFLICT clauses (PostgreSQL's or SQLite's, alike)."""
    if is_postgresql(connection):
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


@functools.cache
def balance_upsert(dialect: str, table: sa.Table, key: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE of a running balance, built once per table (it's hot)."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return statement.on_conflict_do_update(
        index_elements=["campaign_id", key], set_={"balance": statement.excluded.balance}
    )


#: PostgreSQL's statements of the hot path, each one text whatever the batch's size (arrays,
#: not a list of parameters), so that psycopg converts each once per process.
PLEDGE_BALANCES = sa.text(
    "SELECT pledge_id, balance FROM pledge_balances"
    " WHERE campaign_id = :campaign_id AND pledge_id = ANY(CAST(:pledge_ids AS uuid[]))"
)
LOAD = sa.text(
    "SELECT j.size, c.creator_id, c.currency,"
    " (SELECT json_agg(json_build_array(b.category, b.amount) ORDER BY b.position, b.category)"
    "  FROM budget_lines b WHERE b.campaign_id = j.campaign_id) AS budget,"
    " (SELECT json_agg(json_build_array(a.account, a.balance))"
    "  FROM account_balances a WHERE a.campaign_id = j.campaign_id) AS balances,"
    " (SELECT json_agg(json_build_array(e.reverses_seq, e.seq)) FROM journal_entries e"
    "  WHERE e.campaign_id = j.campaign_id AND e.reverses_seq IS NOT NULL) AS reversals,"
    " (SELECT json_agg(json_build_array(p.pledge_id, p.balance)) FROM pledge_balances p"
    "  WHERE p.campaign_id = j.campaign_id"
    "  AND p.pledge_id = ANY(CAST(:pledge_ids AS uuid[]))) AS pledges"
    " FROM journals j JOIN campaigns c ON c.id = j.campaign_id"
    " WHERE j.campaign_id = :campaign_id"
)
LOCK = sa.text("SELECT 1 FROM journals WHERE campaign_id = :campaign_id FOR UPDATE")
BACKER_COLUMNS = ("campaign_id", "pledge_id", "backer_id", "recorded_at")
UNNEST_BACKERS = sa.text(
    "INSERT INTO pledge_backers (campaign_id, pledge_id, backer_id, recorded_at)"
    " SELECT * FROM unnest(CAST(:campaign_id AS uuid[]), CAST(:pledge_id AS uuid[]),"
    " CAST(:backer_id AS uuid[]), CAST(:recorded_at AS timestamptz[]))"
    " ON CONFLICT DO NOTHING"
)
_KEY_TYPES = {"account": "text", "pledge_id": "uuid"}


@functools.cache
def unnest_balance_upsert(table: str, key: str) -> sa.TextClause:
    return sa.text(
        f"INSERT INTO {table} (campaign_id, {key}, balance)"
        f" SELECT :campaign_id, k, b FROM unnest(CAST(:keys AS {_KEY_TYPES[key]}[]),"
        " CAST(:balances AS bigint[])) AS batch (k, b)"
        f" ON CONFLICT (campaign_id, {key}) DO UPDATE SET balance = excluded.balance"
    )
