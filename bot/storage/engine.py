"""Engine and session factory for SQLite (default) and PostgreSQL (`DATABASE_URL`)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, QueuePool
from sqlalchemy.util import await_

from bot.storage.direct import DirectConnection
from bot.storage.transactions import UNPINGED, OnAsyncEngine, OnLoop

if TYPE_CHECKING:
    from bot.storage.repository import Repository

#: How long (ms) an SQLite connection waits for another writer before giving up. Each step is
#: one transaction of a few milliseconds, so the bot's own writers never wait near this; a
#: longer wait means something else holds the file (a backup, a stuck process), and the user
#: should hear "temporarily unavailable" within seconds, not after 15 s of silence.
SQLITE_BUSY_TIMEOUT_MS = 5_000
#: How long (s) a transaction waits for SQLite's one pooled connection. Queued behind a
#: locked file, every update would otherwise wait one busy timeout after another; a healthy
#: burst of updates drains in well under a second.
SQLITE_POOL_TIMEOUT_S = 2.0
#: PostgreSQL over a network that stops answering (a partition: connections open, nothing
#: coming back) would otherwise hold a user's update for minutes. Each of these bounds one
#: wait (s): opening a connection, one statement (the pool's pre-ping included), a free
#: connection from the pool; and a whole transaction, so the user hears "temporarily
#: unavailable" within 5 s and the next update tries afresh (no restart needed).
PG_CONNECT_TIMEOUT_S = 3.0
PG_STATEMENT_TIMEOUT_S = 3.0
PG_POOL_TIMEOUT_S = 3.0
PG_TRANSACTION_TIMEOUT_S = 4.0
#: A pooled PostgreSQL connection idle longer than this (s) is pinged on checkout even by the
#: hot path's transactions, which otherwise find a broken connection by their first statement
#: and try once more (`transactions.OnAsyncEngine`); every other transaction pings always.
PG_PING_IDLE_S = 10.0


def normalize_url(url: str | URL) -> URL:
    """Pick the async driver for bare `sqlite://` / `postgresql://` / `postgres://` URLs."""
    if isinstance(url, str) and url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    u = make_url(url)
    if u.drivername == "sqlite":
        u = u.set(drivername="sqlite+aiosqlite")
    elif u.drivername in ("postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        u = u.set(drivername="postgresql+asyncpg")
    return u


def is_sqlite(url: str | URL) -> bool:
    return normalize_url(url).get_backend_name() == "sqlite"


def _sqlite_file(u: URL) -> Path | None:
    db = u.database
    if not db or db == ":memory:" or db.startswith("file:") or u.query.get("mode") == "memory":
        return None
    return Path(db)


def create_engine(
    url: str | URL, *, sqlite_foreign_keys: bool = True, **kwargs: Any
) -> AsyncEngine:
    """An async engine for `url`.

    SQLite: creates the file's parent directory, and every connection gets WAL
    journaling, `foreign_keys=ON` and a busy timeout; transactions start with
    `BEGIN IMMEDIATE` so concurrent writers queue up instead of failing.

    `sqlite_foreign_keys=False` is for migrations only: SQLite batch migrations
    re-create tables, and dropping a parent table with foreign keys on would
    fire its ON DELETE CASCADE actions.

    PostgreSQL: a `search_path` query parameter in the URL (not understood by
    asyncpg itself) is passed on as a server setting.
    """
    u = normalize_url(url)
    connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))

    if u.get_backend_name() == "sqlite":
        path = _sqlite_file(u)
        if path is not None:
            path.expanduser().parent.mkdir(parents=True, exist_ok=True)
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        # SQLAlchemy's default for aiosqlite files is NullPool: a new connection (a thread, the
        # file opened, the PRAGMAs run) per transaction. SQLite has one writer at a time anyway,
        # and several connections would contend for its lock through the busy handler, which
        # sleeps; one kept connection makes transactions queue in the pool instead.
        if path is not None and "poolclass" not in kwargs:
            kwargs.update(
                poolclass=AsyncAdaptedQueuePool,
                pool_size=1,
                max_overflow=0,
                pool_timeout=SQLITE_POOL_TIMEOUT_S,
            )
        engine = create_async_engine(u, connect_args=connect_args, **kwargs)
        _install_sqlite_listeners(
            engine.sync_engine, wal=path is not None, foreign_keys=sqlite_foreign_keys
        )
        return engine

    if u.get_backend_name() == "postgresql" and "search_path" in u.query:
        search_path = u.query["search_path"]
        if not isinstance(search_path, str):
            search_path = ",".join(search_path)
        u = u.difference_update_query(["search_path"])
        server_settings = dict(connect_args.get("server_settings", {}))
        server_settings.setdefault("search_path", search_path)
        connect_args["server_settings"] = server_settings
    connect_args.setdefault("timeout", PG_CONNECT_TIMEOUT_S)
    connect_args.setdefault("command_timeout", PG_STATEMENT_TIMEOUT_S)
    if "poolclass" not in kwargs:  # the default queue pool (a NullPool has no waiting)
        kwargs.setdefault("pool_timeout", PG_POOL_TIMEOUT_S)
    # A connection broken by a database restart is noticed and replaced on checkout, so the
    # bot recovers by itself when PostgreSQL comes back: pinged by `_ping_on_checkout`, not
    # by SQLAlchemy's pool_pre_ping (which costs three round trips on asyncpg).
    ping = not kwargs.get("pool_pre_ping", False)
    engine = create_async_engine(u, connect_args=connect_args, **kwargs)
    if ping and u.get_backend_name() == "postgresql":
        event.listen(engine.sync_engine.pool, "checkout", _ping_on_checkout)
        event.listen(engine.sync_engine.pool, "checkin", _note_checkin)
    if u.get_backend_name() == "postgresql" and engine.dialect.driver == "asyncpg":
        # Statements built once run on asyncpg itself, prepared once per connection (`direct`).
        engine.sync_engine._connection_cls = DirectConnection
    return engine


def _ping_on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ask PostgreSQL for nothing (`;`) before a pooled connection is used: one round trip.

    SQLAlchemy's `pool_pre_ping` does the same on asyncpg inside a transaction of its own
    (BEGIN, `;`, ROLLBACK: three round trips, for PgBouncer's transaction mode, not used
    here), before every transaction. When the connection is broken, the pool discards it and
    every connection older than it, as pre-ping does, and connects afresh.

    Not pinged: a connection checked out by a hot-path transaction (`UNPINGED`) that was in
    use within the last `PG_PING_IDLE_S`; that transaction tries once more on a fresh,
    pinged connection when its first statement finds this one broken.
    """
    if UNPINGED.get():
        returned = record.info.get("returned")
        if returned is not None and time.monotonic() - returned < PG_PING_IDLE_S:
            return
    try:
        await_(dbapi_connection.driver_connection.fetchrow(";"))
    except Exception as exc:  # broken, closed, timed out: the pool connects afresh
        # (dropped at once: a graceful close would wait for asyncpg's cancel request of the
        # timed-out ping, which a partition never answers; `direct.DirectConnection`)
        dbapi_connection.driver_connection.terminate()
        raise InvalidatePoolError(f"ping failed: {exc!r}") from exc


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["returned"] = time.monotonic()


def _install_sqlite_listeners(
    engine: Engine,
    *,
    wal: bool,
    foreign_keys: bool,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    direct_begin: bool = False,
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so that our own
        # BEGIN (below) is the only one, and SAVEPOINTs/DDL behave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                # In WAL mode NORMAL never corrupts and loses nothing when the process dies;
                # only a power cut can undo the last commits. It saves an fsync per commit.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not direct_begin:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        # On pysqlite, straight to the driver: SQLAlchemy's statement execution (events,
        # cursor, result) cost more than SQLite's BEGIN itself, twice or more per update.
        try:
            connection.connection.driver_connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:  # as SQLAlchemy raises it (OperationalError: busy, ...)
            raise DBAPIError.instance("BEGIN IMMEDIATE", (), exc, sqlite3.Error) from exc


class TimedSessions:
    """Sessions whose every transaction (checkout, pre-ping, statements, commit) ends within
    `limit` seconds, raising TimeoutError otherwise (the connection is then discarded)."""

    def __init__(self, maker: async_sessionmaker[AsyncSession], limit: float) -> None:
        self._maker = maker
        self._limit = limit

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        async with asyncio.timeout(self._limit), self._maker.begin() as session:
            yield session

    def transactions(self) -> OnAsyncEngine:
        """The hot path's transactions on the same engine, with the same time limit."""
        return OnAsyncEngine(self._maker.kw["bind"], limit=self._limit)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession] | TimedSessions:
    """Sessions for the stores; on PostgreSQL each transaction has a time limit, and so do the
    hot path's transactions on the same engine (`TimedSessions.transactions`). SQLite's waits
    are bounded by its busy and pool timeouts (on the event loop: `OnLoop`'s wait)."""
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
    if engine.dialect.name == "postgresql":
        return TimedSessions(maker, PG_TRANSACTION_TIMEOUT_S)
    return maker


def create_loop_engine(url: str | URL) -> Engine:
    """A synchronous engine on an SQLite file for transactions run on the event loop: one kept
    connection with `create_engine`'s settings but no busy timeout (it never sleeps on a lock;
    `OnLoop` tries again instead)."""
    u = normalize_url(url).set(drivername="sqlite+pysqlite")
    engine = create_sync_engine(
        u,
        connect_args={"timeout": 0, "check_same_thread": False},
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=0,
        pool_reset_on_return=None,  # every transaction ends in COMMIT or ROLLBACK already
    )
    _install_sqlite_listeners(
        engine, wal=True, foreign_keys=True, busy_timeout_ms=0, direct_begin=True
    )
    # Its statements built once run on the driver itself (`direct`); Engine.connect() makes
    # its connections of this class.
    engine._connection_cls = DirectConnection
    return engine


def create_repository(url: str | URL, **engine_kwargs: Any) -> tuple[Repository, AsyncEngine]:
    """A `Repository` on a new engine for `url`; the caller disposes of the engine.

    On an SQLite file the per-update transactions run on the event loop, on a synchronous
    engine that is disposed of with the returned one.
    """
    from bot.storage.repository import Repository

    engine = create_engine(url, **engine_kwargs)
    transactions = None
    if is_sqlite(url) and _sqlite_file(normalize_url(url)) is not None:
        transactions = OnLoop(create_loop_engine(url), wait=SQLITE_POOL_TIMEOUT_S)
        transactions.close_with(engine)
    return Repository(create_sessionmaker(engine), transactions=transactions), engine


__all__ = [
    "create_engine",
    "create_repository",
    "create_sessionmaker",
    "is_sqlite",
    "normalize_url",
]
