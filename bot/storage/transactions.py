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
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")
#: The first and the longest pause between two tries of SQLite's write lock (seconds).
FIRST_RETRY, LONGEST_RETRY = 0.0005, 0.05

#: Set while a hot-path transaction checks out its connection: a recently used one is not
#: pinged (`engine._ping_on_checkout`), the transaction tries once more instead when its first
#: statement finds the connection broken.
UNPINGED: ContextVar[bool] = ContextVar("unpinged", default=False)


class _Unanswered(Exception):
    """The connection was found broken before any statement of the transaction was answered:
    nothing was done, in the database or in Python, so the whole of it can be tried again."""


class Transactions(Protocol):
    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` in one transaction: committed when it returns, rolled
        back when it raises."""

    async def run_each(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` whose statements need not commit together (reads, and
        writes of one statement that stand alone): on PostgreSQL each statement is its own
        transaction, saving the BEGIN and COMMIT round trips; elsewhere as `run`."""

    @property
    def autocommits(self) -> bool:
        """Whether `run_each` runs each statement as a transaction of its own (PostgreSQL):
        a write made one statement then needs no BEGIN and COMMIT."""


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

    @property
    def autocommits(self) -> bool:
        return self._each

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        async with asyncio.timeout(self._limit):
            if self._each:  # PostgreSQL: a recently used connection is not pinged
                try:
                    async with _unpinged(), self._engine.begin() as conn:
                        return await conn.run_sync(_first_answered, work, args)
                except _Unanswered:
                    pass  # once more, on a connection pinged on checkout
            async with self._engine.begin() as conn:
                return await conn.run_sync(work, *args)

    async def run_each(self, work: Callable[..., T], *args: Any) -> T:
        if not self._each:
            return await self.run(work, *args)
        async with asyncio.timeout(self._limit):
            try:
                async with _unpinged(), self._autocommit.connect() as conn:
                    return await conn.run_sync(_first_answered, work, args)
            except _Unanswered:
                pass
            async with self._autocommit.connect() as conn:
                return await conn.run_sync(work, *args)


class _unpinged:  # noqa: N801  (a context manager, used as a function)
    """`UNPINGED` set while entered (a connection is checked out within it)."""

    __slots__ = ("_token",)

    async def __aenter__(self) -> None:
        self._token = UNPINGED.set(True)

    async def __aexit__(self, *exc: object) -> None:
        UNPINGED.reset(self._token)


def _first_answered(conn: Connection, work: Callable[..., T], args: tuple[Any, ...]) -> T:
    """`work(conn, *args)`; a broken connection found by its first statement (none answered
    yet: `DirectConnection.answered`) is raised as `_Unanswered`, to be tried again."""
    try:
        return work(conn, *args)
    except DBAPIError as exc:
        if getattr(conn, "answered", True) or not _unsent(exc):
            raise
        if not exc.connection_invalidated:  # in doubt: not handed out again
            driver: Any = conn.connection.driver_connection
            driver.terminate()
            conn.invalidate(exc)
        raise _Unanswered from exc


def _unsent(exc: DBAPIError) -> bool:
    """asyncpg turned the statement down before sending it: it knew the connection closed,
    or found its protocol mid-operation (a backend terminated while the connection sat in
    the pool, its last message half handled). Not a connection broken on the way: a write
    in autocommit might have been done then."""
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return type(cause).__name__ == "InternalClientError" or "connection is closed" in str(exc.orig)


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

    autocommits = False

    def close_with(self, engine: AsyncEngine) -> None:
        """Dispose of this engine when `engine` is disposed of (its owner's cue)."""

        @event.listens_for(engine.sync_engine, "engine_disposed")
        def _disposed(_engine: Engine) -> None:
            self._engine.dispose()


def _busy(exc: OperationalError) -> bool:
    """Another connection holds the lock (as opposed to a broken or read-only file)."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
