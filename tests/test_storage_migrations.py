"""Alembic migrations: up, down, up again, and the models match the migrated schema."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, pool
from sqlalchemy.engine import Connection

from bot.storage.engine import create_engine, is_sqlite
from bot.storage.migrate import (
    SCHEMA_HEAD,
    UPGRADE_COMMAND,
    SchemaBehindError,
    alembic_config,
    downgrade_to_async,
    ensure_schema,
    head_revision,
    schema_status,
    upgrade_to_head,
    upgrade_to_head_async,
)
from bot.storage.models import Base


def _diff(connection: Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _run(url: str, fn):
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def test_the_head_the_bot_starts_on_is_alembics() -> None:
    """`SCHEMA_HEAD` (what a starting bot compares with, without loading Alembic) moves with
    every new migration."""
    assert head_revision() == SCHEMA_HEAD


async def test_upgrade_downgrade_upgrade_matches_models(db_url: str) -> None:
    model_tables = set(Base.metadata.tables)
    assert await schema_status(db_url) == (None, head_revision())

    await upgrade_to_head_async(db_url)
    assert await _run(db_url, _tables) == model_tables | {"alembic_version"}
    assert await schema_status(db_url) == (head_revision(), head_revision())

    await downgrade_to_async(db_url, "base")
    assert await _run(db_url, _tables) == {"alembic_version"}
    assert (await schema_status(db_url))[0] is None

    await upgrade_to_head_async(db_url)
    assert await _run(db_url, _tables) == model_tables | {"alembic_version"}
    assert await _run(db_url, _diff) == []


FIRST_RELEASE_TABLES = {
    "users",
    "profiles",
    "targets",
    "assessments",
    "ratings",
    "conversations",
    "reminders",
    "cpd_entries",
    "group_chats",
    "group_members",
}


async def test_first_migration_creates_first_release_schema(db_url: str) -> None:
    """Revision 0001 on its own creates every table of the first release."""
    script = ScriptDirectory.from_config(alembic_config(db_url))
    assert script.get_base() == "0001"
    await asyncio.to_thread(command.upgrade, alembic_config(db_url), "0001")
    assert set(Base.metadata.tables) >= FIRST_RELEASE_TABLES
    assert FIRST_RELEASE_TABLES | {"alembic_version"} == await _run(db_url, _tables)


async def test_ensure_schema(db_url: str) -> None:
    if is_sqlite(db_url):
        await ensure_schema(db_url)  # SQLite: applies the migrations itself
        assert await schema_status(db_url) == (head_revision(), head_revision())
    else:
        with pytest.raises(SchemaBehindError, match=UPGRADE_COMMAND):
            await ensure_schema(db_url)
        assert (await schema_status(db_url))[0] is None  # nothing was applied
        await upgrade_to_head_async(db_url)
        await ensure_schema(db_url)  # up to date: no error
    assert UPGRADE_COMMAND == "careerbot db upgrade"


async def test_sync_upgrade_inside_running_loop(db_url: str) -> None:
    upgrade_to_head(db_url)  # blocking call from async code must still work
    assert await schema_status(db_url) == (head_revision(), head_revision())


def test_sync_upgrade_without_loop(sqlite_url: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # alembic.ini is found relative to the package
    upgrade_to_head(sqlite_url)
    upgrade_to_head(sqlite_url)  # idempotent
    assert asyncio.run(schema_status(sqlite_url)) == (head_revision(), head_revision())


def test_cli_db_upgrade(sqlite_url: str, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app
    from bot.settings import get_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert asyncio.run(schema_status(sqlite_url)) == (head_revision(), head_revision())


async def test_sqlite_migration_engine_keeps_child_rows(sqlite_url: str) -> None:
    """Batch migrations re-create tables; with foreign keys on, that would cascade-delete."""
    from alembic.operations import Operations
    from sqlalchemy import Column, Integer, text

    from bot.storage.changes import StartAssessment
    from bot.storage.engine import create_repository
    from tests.conftest import apply

    await upgrade_to_head_async(sqlite_url)
    repo, engine = create_repository(sqlite_url)
    await repo.begin_turn(1, "Ann")
    await apply(repo, 1, StartAssessment())
    await engine.dispose()

    def recreate_users(conn: Connection) -> None:
        ctx = MigrationContext.configure(conn, opts={"render_as_batch": True})
        with Operations(ctx).batch_alter_table("users", recreate="always") as batch:
            batch.add_column(Column("extra", Integer, nullable=True))

    migrating = create_engine(sqlite_url, poolclass=pool.NullPool, sqlite_foreign_keys=False)
    try:
        async with migrating.begin() as conn:
            await conn.run_sync(recreate_users)
        async with migrating.connect() as conn:
            n = (await conn.execute(text("SELECT count(*) FROM assessments"))).scalar_one()
    finally:
        await migrating.dispose()
    assert n == 1
