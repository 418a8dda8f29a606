"""Each service's migrations build its schema from nothing, on SQLite and PostgreSQL, and back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from services.registry import NAMES, service_spec
from shared.db import make_engine
from shared.migrations import alembic_config, upgrade

pytestmark = pytest.mark.both_databases


@pytest.mark.parametrize("service", NAMES)
def test_migrations_create_exactly_the_tables_the_code_uses(
    service: str, database_url: str
) -> None:
    upgrade(service, database_url)
    upgrade(service, database_url)  # a second run is a no-op
    engine = make_engine(database_url)
    tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(service_spec(service).tables)
    for name, table in service_spec(service).tables.items():
        columns = {c["name"] for c in sa.inspect(engine).get_columns(name)}
        assert columns == set(table.columns.keys()), name
    engine.dispose()

    command.downgrade(alembic_config(service, database_url), "base")
    engine = make_engine(database_url)
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
