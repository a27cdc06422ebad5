"""Every migration runs on SQLite and PostgreSQL, and the models match the migrations."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from inset import migrations
from inset.db import Database
from inset.models import Base


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_migrations_create_every_table(database: Database) -> None:
    async with database.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
def test_models_match_migrations(database: Database) -> None:
    # `alembic check` fails when autogenerate would produce a new migration.
    command.check(migrations.alembic_config(database.url))
