"""Running Alembic migrations from code (the CLI, the bot at start-up, tests).

alembic.ini and migrations/ are found next to the `bot` package, so this works
from any working directory. Alembic itself is loaded only when something is to be migrated
or checked against the scripts: a bot starting on a current schema reads its revision with
one query and compares it with `SCHEMA_HEAD` (about 7 MB of memory it does without).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, pool, text
from sqlalchemy.engine import Connection

import bot
from bot.storage.engine import create_engine, is_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

PROJECT_ROOT = Path(bot.__file__).resolve().parent.parent
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"

UPGRADE_COMMAND = "careerbot db upgrade"
#: The latest migration's revision (migrations/versions/): a new migration moves it, and a
#: test holds it to Alembic's own head.
SCHEMA_HEAD = "0008"
#: Where Alembic keeps the revision a database is at (its default table).
VERSION_TABLE = "alembic_version"


class SchemaBehindError(RuntimeError):
    """The database schema is older than this code needs."""


class SchemaUnknownError(RuntimeError):
    """The database carries a revision this code does not know (newer code ran on it?)."""


def alembic_config(url: str) -> Config:
    """An Alembic Config for `url`, independent of the current directory."""
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI)) if ALEMBIC_INI.exists() else Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def head_revision() -> str:
    """The head revision as Alembic reads it from the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def _run_in_thread(fn, *args) -> None:  # type: ignore[no-untyped-def]
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as ex:
        ex.submit(fn, *args).result()


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def _downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def upgrade_to_head(url: str) -> None:
    """Apply every pending migration (blocking; callable with or without a running loop)."""
    if _in_event_loop():
        # env.py runs its own event loop, which cannot nest in this thread's.
        _run_in_thread(_upgrade, url)
    else:
        _upgrade(url)


def downgrade_to(url: str, revision: str = "base") -> None:
    """Revert migrations down to `revision` (blocking; used by tests and operators)."""
    if _in_event_loop():
        _run_in_thread(_downgrade, url, revision)
    else:
        _downgrade(url, revision)


async def upgrade_to_head_async(url: str) -> None:
    await asyncio.to_thread(_upgrade, url)


async def downgrade_to_async(url: str, revision: str = "base") -> None:
    await asyncio.to_thread(_downgrade, url, revision)


def _current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated), as Alembic's
    `MigrationContext.get_current_revision` reads it, without loading Alembic."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    query = text(f"SELECT version_num FROM {VERSION_TABLE}")
    rows: list[str] = list(connection.execute(query).scalars())
    if len(rows) > 1:
        raise SchemaUnknownError(f"the database is at several revisions at once: {rows}")
    return rows[0] if rows else None


async def schema_status(url: str) -> tuple[str | None, str]:
    """(revision the database is at or None when unmigrated, head revision of the code)."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(_current_revision)
    finally:
        await engine.dispose()
    return current, SCHEMA_HEAD


async def ensure_schema(url: str) -> None:
    """Make sure the schema is current before the bot starts.

    SQLite (single local file): pending migrations are applied. PostgreSQL
    (shared, operator-managed): raises SchemaBehindError naming the command to run.
    """
    current, head = await schema_status(url)
    if current == head:
        return
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url))
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise SchemaUnknownError(
                f"database schema is at revision {current!r}, unknown to this code "
                f"(head {head!r}); is a newer careerbot using this database?"
            ) from exc
    if is_sqlite(url):
        await upgrade_to_head_async(url)
        return
    raise SchemaBehindError(
        f"database schema is at {current or 'no revision (empty database)'}, this code needs "
        f"{head}: run `{UPGRADE_COMMAND}` first"
    )


__all__ = [
    "ALEMBIC_INI",
    "MIGRATIONS_DIR",
    "UPGRADE_COMMAND",
    "SchemaBehindError",
    "SchemaUnknownError",
    "alembic_config",
    "downgrade_to",
    "downgrade_to_async",
    "ensure_schema",
    "SCHEMA_HEAD",
    "head_revision",
    "schema_status",
    "upgrade_to_head",
    "upgrade_to_head_async",
]
