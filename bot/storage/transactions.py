"""Where a hot-path transaction runs: a whole transaction at once, on a plain Core connection.

A transaction is a synchronous function of a `Connection`. On PostgreSQL it runs on the async
engine (asyncpg) through `run_sync`, within the same time limit as every other transaction
there (`engine.PG_TRANSACTION_TIMEOUT_S`). On an SQLite file it runs on the event loop itself, on a
synchronous connection of its own: SQLite answers these few indexed statements in tens of
microseconds, far less than handing each statement to aiosqlite's thread and back costs. Only
taking the write lock may wait, and that wait is never spent blocking the loop: the lock is
tried without a busy timeout and, while another connection holds it, tried again after a
short asynchronous sleep.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")
#: The first and the longest pause between two tries of SQLite's write lock (seconds).
FIRST_RETRY, LONGEST_RETRY = 0.0005, 0.05


class Transactions(Protocol):
    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` in one transaction: committed when it returns, rolled
        back when it raises."""

    async def run_each(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` whose statements need not commit together (reads, and
        writes of one statement that stand alone): on PostgreSQL each statement is its own
        transaction, saving the BEGIN and COMMIT round trips; elsewhere as `run`."""


class OnAsyncEngine:
    """Transactions on the async engine's connection (PostgreSQL, in-memory SQLite).

    With a `limit` (PostgreSQL), each whole transaction (checkout, pre-ping, statements,
    commit) ends within that many seconds, raising TimeoutError otherwise, as the sessions'
    transactions do (`engine.TimedSessions`).
    """

    def __init__(self, engine: AsyncEngine, limit: float | None = None) -> None:
        self._engine = engine
        self._limit = limit
        # The same pool, its connections in autocommit while checked out from here.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        # (an OptionEngine does not take over the class of its engine's connections: `direct`)
        self._autocommit.sync_engine._connection_cls = engine.sync_engine._connection_cls
        self._each = engine.dialect.name == "postgresql"

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        async with asyncio.timeout(self._limit), self._engine.begin() as conn:
            return await conn.run_sync(work, *args)

    async def run_each(self, work: Callable[..., T], *args: Any) -> T:
        if not self._each:
            return await self.run(work, *args)
        async with asyncio.timeout(self._limit), self._autocommit.connect() as conn:
            return await conn.run_sync(work, *args)


class OnLoop:
    """Transactions on a synchronous SQLite engine whose connections do not wait for locks.

    `wait` bounds how long a transaction tries for the write lock, like waiting for a pooled
    connection: behind a locked file the user hears "unavailable" within seconds.
    """

    def __init__(self, engine: Engine, wait: float) -> None:
        self._engine = engine
        self._wait = wait

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait
        pause = FIRST_RETRY
        while True:
            with self._engine.connect() as conn:
                try:
                    transaction = conn.begin()  # BEGIN IMMEDIATE: fails at once when locked
                except OperationalError as exc:
                    if not _busy(exc) or loop.time() + pause > deadline:
                        raise
                else:
                    with transaction:
                        return work(conn, *args)
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_RETRY)

    async def run_each(self, work: Callable[..., T], *args: Any) -> T:
        return await self.run(work, *args)

    def close_with(self, engine: AsyncEngine) -> None:
        """Dispose of this engine when `engine` is disposed of (its owner's cue)."""

        @event.listens_for(engine.sync_engine, "engine_disposed")
        def _disposed(_engine: Engine) -> None:
            self._engine.dispose()


def _busy(exc: OperationalError) -> bool:
    """Another connection holds the lock (as opposed to a broken or read-only file)."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
