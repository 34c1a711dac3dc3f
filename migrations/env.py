"""Alembic environment (async): SQLite by default, PostgreSQL via DATABASE_URL.

The URL comes from, in order: `config.attributes["url"]` (bot.storage.migrate
and the tests), `sqlalchemy.url` in alembic.ini, or the bot settings. A sync
`Connection` in `config.attributes["connection"]` is used as is.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection

from bot.storage.engine import create_engine, is_sqlite, normalize_url
from bot.storage.models import Base, UTCDateTime

config = context.config

# Only configure logging when run as the `alembic` command; when the bot runs
# migrations itself it keeps its own logging setup.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def database_url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.settings import get_settings

        url = get_settings().effective_database_url
    return str(url)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our UTCDateTime as the plain column type it is in the database."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection | None = None, **kwargs: Any) -> None:
    dialect_sqlite = (
        connection.dialect.name == "sqlite" if connection is not None else is_sqlite(database_url())
    )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=dialect_sqlite,
        render_item=render_item,
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(
        url=normalize_url(database_url()).render_as_string(hide_password=False),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            # Foreign keys are off while migrating (see create_engine); check
            # that the migrations left none dangling before committing.
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"migrations left dangling foreign keys: {problems[:10]}")


async def run_async_migrations() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool, sqlite_foreign_keys=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
