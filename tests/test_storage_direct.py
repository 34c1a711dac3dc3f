"""The SQLite hot path's statements on the driver (`bot.storage.direct`) read and write what
SQLAlchemy itself would, with the same types, errors and statement hooks."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, CursorResult, create_engine, event, select
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.storage import statements
from bot.storage.changes import (
    AcceptPrivacy,
    CompleteAssessment,
    RecordRating,
    SetProfile,
    SetTarget,
    StartAssessment,
)
from bot.storage.direct import DirectConnection, Rows
from bot.storage.engine import create_engine as create_engine_for
from bot.storage.engine import create_loop_engine, normalize_url
from bot.storage.tables import _users
from tests.conftest import _migrated

USER = 7
NOW = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)


async def _journey(repo) -> None:
    await repo.begin_turn(USER, "Dana")
    version = await repo.apply_step(USER, 0, "onboarding", "role", {"a": [1, "b"]})
    assert version is not None
    changes = [
        AcceptPrivacy(),
        SetProfile(role="Practice manager", career_stage="early", directions=("up",)),
        SetTarget("risk-management", "managerial"),
        StartAssessment(),
        RecordRating("risk-management", "strategic"),
        RecordRating("risk-management", "managerial", range_id="some-range", note="n"),
        CompleteAssessment(),
        StartAssessment(),
        RecordRating("risk-management", "administrative"),
    ]
    version, snapshot = await repo.apply_step_and_read(USER, version, "x", "y", {}, changes)
    assert version is not None and snapshot is not None


QUERIES = [
    (statements.SNAPSHOT, {"b_id": USER}),
    (statements.HISTORY, {"b_user_id": USER}),
    (statements.OPEN_ASSESSMENT, {"b_user_id": USER}),
    (statements.OPEN_ASSESSMENT_ID, {"b_user_id": USER}),
]


@pytest.mark.parametrize(("query", "params"), QUERIES)
async def test_rows_as_sqlalchemy_reads_them(sqlite_storage, query, params) -> None:
    await _journey(sqlite_storage.repo)
    url = normalize_url(sqlite_storage.url).set(drivername="sqlite+pysqlite")
    direct, plain = create_loop_engine(sqlite_storage.url), create_engine(url)
    try:
        with direct.connect() as conn, conn.begin():
            assert isinstance(conn, DirectConnection)
            got = conn.execute(query, params)
            assert isinstance(got, Rows)
            ours = got.all()
        with plain.connect() as conn:
            theirs = conn.execute(query, params).all()
    finally:
        direct.dispose()
        plain.dispose()
    assert ours and [tuple(r) for r in ours] == [tuple(r) for r in theirs]
    assert [r._mapping for r in ours] == [dict(r._mapping) for r in theirs]
    for ours_row, theirs_row in zip(ours, theirs, strict=True):
        assert [type(v) for v in ours_row] == [type(v) for v in theirs_row]
        for value in ours_row:
            if isinstance(value, datetime):
                assert value.tzinfo is not None  # UTC, as the column type gives it back


async def test_a_statement_built_per_call_goes_through_sqlalchemy(sqlite_storage) -> None:
    await _journey(sqlite_storage.repo)
    engine = create_loop_engine(sqlite_storage.url)
    try:
        with engine.connect() as conn, conn.begin():
            result = conn.execute(select(_users.c.name).where(_users.c.id == USER))
            assert isinstance(result, CursorResult)
            assert result.scalar_one() == "Dana"
    finally:
        engine.dispose()


async def test_errors_and_hooks_as_sqlalchemy_gives_them(sqlite_storage) -> None:
    await _journey(sqlite_storage.repo)
    engine = create_loop_engine(sqlite_storage.url)
    seen: list[str] = []
    failing = {"on": True}

    def _hook(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement.split()[0])
        if failing["on"]:
            raise sqlite3.OperationalError("disk I/O error")

    event.listen(engine, "before_cursor_execute", _hook)
    accept = {"b_id": USER, "b_privacy_accepted_at": NOW}
    try:
        with engine.connect() as conn:
            with pytest.raises(OperationalError, match="disk I/O error"), conn.begin():
                conn.execute(statements.ACCEPT_PRIVACY, accept)
            failing["on"] = False
            with conn.begin():
                result = conn.execute(statements.ACCEPT_PRIVACY, accept)
                assert isinstance(result, Rows)
                assert result.rowcount == 0  # accepted already (AcceptPrivacy): nothing changed
    finally:
        engine.dispose()
    assert seen == ["UPDATE", "UPDATE"]


# PostgreSQL: the same statements on asyncpg itself (`DirectConnection._run_asyncpg`).


@pytest.fixture
async def pg_storage(postgres_url: str):
    async for s in _migrated(postgres_url):
        yield s


@pytest.mark.postgres
@pytest.mark.parametrize(("query", "params"), QUERIES)
async def test_postgres_rows_as_sqlalchemy_reads_them(pg_storage, query, params) -> None:
    await _journey(pg_storage.repo)
    plain = create_engine_for(pg_storage.url)
    plain.sync_engine._connection_cls = Connection  # SQLAlchemy's own execution
    try:
        async with pg_storage.engine.connect() as conn:
            assert isinstance(conn.sync_connection, DirectConnection)
            got = await conn.run_sync(lambda c: c.execute(query, params))
            assert isinstance(got, Rows)
            ours = got.all()
        async with plain.connect() as conn:
            theirs = (await conn.execute(query, params)).all()
    finally:
        await plain.dispose()
    assert ours and [tuple(r) for r in ours] == [tuple(r) for r in theirs]
    assert [r._mapping for r in ours] == [dict(r._mapping) for r in theirs]
    for ours_row, theirs_row in zip(ours, theirs, strict=True):
        assert [type(v) for v in ours_row] == [type(v) for v in theirs_row]


@pytest.mark.postgres
async def test_postgres_errors_hooks_and_transactions_as_sqlalchemy_gives_them(
    pg_storage,
) -> None:
    """A driver error is SQLAlchemy's (and the transaction is gone as a whole); hooks see
    every statement; outside an explicit transaction a statement begins one, as SQLAlchemy's
    autobegin does."""
    repo, engine = pg_storage.repo, pg_storage.engine
    await _journey(repo)
    seen: list[str] = []

    def _hook(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement.split()[0])

    event.listen(engine.sync_engine, "before_cursor_execute", _hook)
    accept = {"b_id": USER, "b_privacy_accepted_at": NOW}
    clash = {"b_user_id": USER, "b_started_at": NOW}
    try:
        async with engine.connect() as conn:

            def _step(c) -> None:
                assert c.execute(statements.ACCEPT_PRIVACY, accept).rowcount == 0
                c.execute(statements.START_ASSESSMENT, {**clash, "b_user_id": -1})  # no user

            with pytest.raises(IntegrityError):
                await conn.run_sync(_step)
            await conn.rollback()
            version = await conn.run_sync(
                lambda c: c.execute(statements.SNAPSHOT, {"b_id": USER}).first().version
            )
            assert version is not None
            await conn.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", _hook)
    assert seen == ["UPDATE", "INSERT", "SELECT"]
