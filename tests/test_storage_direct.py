"""The SQLite hot path's statements on the driver (`bot.storage.direct`) read and write what
SQLAlchemy itself would, with the same types, errors and statement hooks."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import CursorResult, create_engine, event, select
from sqlalchemy.exc import OperationalError

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
from bot.storage.engine import create_loop_engine, normalize_url
from bot.storage.tables import _users

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
