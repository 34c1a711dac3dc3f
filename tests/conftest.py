"""Shared database fixtures: a migrated Repository on SQLite and on PostgreSQL.

`repo` / `storage` run each test on both engines (ids "sqlite" and "postgres");
`sqlite_repo` is SQLite only. PostgreSQL tests use a fresh schema each (found
via search_path, Alembic's version table included) that is dropped afterwards.
When PostgreSQL is unreachable they skip, or fail when CI=true.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.changes import (
    Change,
    CompleteAssessment,
    RecordRating,
    ScheduleReminder,
    StartAssessment,
)
from bot.storage.engine import create_engine, create_repository, create_sessionmaker
from bot.storage.migrate import upgrade_to_head_async
from bot.storage.repository import Repository

POSTGRES_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI but unusable: {reason}")
    pytest.skip(f"PostgreSQL unreachable ({reason}); start it or set TEST_DATABASE_URL")


async def _probe(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool, connect_args={"timeout": 5})
    try:
        async with engine.connect() as conn:
            await conn.execute(text("select 1"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> str | Exception:
    """The PostgreSQL URL, or the error met connecting to it (probed once per session)."""
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        try:
            ex.submit(asyncio.run, _probe(POSTGRES_URL)).result(timeout=15)
        except Exception as exc:  # noqa: BLE001 - any failure means "unusable"
            return exc
    return POSTGRES_URL


@pytest.fixture
async def postgres_url(postgres_server: str | Exception) -> AsyncIterator[str]:
    """URL of an empty, private PostgreSQL schema (dropped after the test)."""
    if isinstance(postgres_server, Exception):
        _unavailable(f"{type(postgres_server).__name__}: {postgres_server}")
    assert isinstance(postgres_server, str)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_server, poolclass=pool.NullPool)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(postgres_server).update_query_dict({"search_path": schema})
        yield url.render_as_string(hide_password=False)
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """URL of a not yet existing SQLite file (in a not yet existing directory)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'careerbot.sqlite3'}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty (unmigrated) database on each engine."""
    return request.getfixturevalue(f"{request.param}_url")


@dataclass
class Storage:
    url: str
    engine: AsyncEngine
    repo: Repository

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def repository(self, clock: Callable[[], datetime]) -> Repository:
        """Another Repository on the same database with its own clock."""
        return Repository(create_sessionmaker(self.engine), clock=clock)


async def _migrated(url: str) -> AsyncIterator[Storage]:
    await upgrade_to_head_async(url)
    repo, engine = create_repository(url)
    try:
        yield Storage(url, engine, repo)
    finally:
        await engine.dispose()


@pytest.fixture
async def storage(db_url: str) -> AsyncIterator[Storage]:
    """Migrated database on each engine: url, engine and repo."""
    async for s in _migrated(db_url):
        yield s


@pytest.fixture
def repo(storage: Storage) -> Repository:
    """A Repository on a migrated database, once per engine."""
    return storage.repo


@pytest.fixture
async def sqlite_storage(sqlite_url: str) -> AsyncIterator[Storage]:
    async for s in _migrated(sqlite_url):
        yield s


@pytest.fixture
def sqlite_repo(sqlite_storage: Storage) -> Repository:
    """A Repository on a migrated SQLite file only."""
    return sqlite_storage.repo


class FakeClock:
    """A settable clock for Repository(clock=...)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clocked_service(sqlite_storage, kb, lookup, clock):  # noqa: ANN001, ANN201
    """The conversation service on SQLite where service and repository both read `clock`."""
    from bot.conversations import Conversations

    return Conversations(sqlite_storage.repository(clock), kb, lookup, clock=clock)


@pytest.fixture(scope="session")
def kb():
    """The knowledge base, loaded once for the whole run."""
    from bot.knowledge import load_knowledge

    return load_knowledge(Path(__file__).resolve().parents[1] / "knowledge")


@pytest.fixture(scope="session")
def lookup(kb):
    """The lookup engine over the knowledge base, built once for the whole run."""
    from bot.lookup import LookupEngine

    return LookupEngine(kb)


async def apply(repo: Repository, user_id: int, *changes: Change) -> None:
    """Store `changes` for an existing user the way a conversation step does (`apply_step`)."""
    conversation = (await repo.load_snapshot(user_id)).conversation
    version = conversation.version if conversation else 0
    assert await repo.apply_step(user_id, version, "menu", "menu", {}, changes) is not None


async def assess(
    repo: Repository, user_id: int, *ratings: RecordRating, complete: bool = True
) -> int:
    """A new assessment with these ratings, stored the way the assessment flow does; its id."""
    await apply(repo, user_id, StartAssessment(), *ratings)
    opened = (await repo.load_snapshot(user_id)).open_assessment
    assert opened is not None
    if complete:
        await apply(repo, user_id, CompleteAssessment())
    return opened.id


async def schedule(repo: Repository, user_id: int, due_at: datetime, kind: str) -> int:
    """Schedule a reminder the way a conversation step does; the new reminder's id."""
    before = {r.id for r in await repo.pending_reminders(user_id)}
    await apply(repo, user_id, ScheduleReminder(due_at, kind))
    [new] = [r.id for r in await repo.pending_reminders(user_id) if r.id not in before]
    return new


async def join(repo: Repository, chat_id: int, user_id: int, title: str) -> None:
    """The user is seen in a group chat titled `title`, the way the bot records group members."""
    user = (await repo.load_snapshot(user_id)).user
    assert user is not None
    await repo.member_seen(chat_id, title, user_id, user.name)
