"""The base of every store: one session factory, one clock, and where hot-path transactions run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.engine import TimedSessions
from bot.storage.models import utcnow
from bot.storage.transactions import OnAsyncEngine, Transactions


class Store:
    """Shared by every store: the session factory, the clock and the hot path's transactions
    (by default on the sessions' engine, with the sessions' time limit if they have one)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | TimedSessions,
        *,
        clock: Callable[[], datetime] = utcnow,
        transactions: Transactions | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        if transactions is None:
            if isinstance(sessions, TimedSessions):
                transactions = sessions.transactions()
            else:
                transactions = OnAsyncEngine(sessions.kw["bind"])
        self._transactions = transactions

    def _now(self) -> datetime:
        return self._clock()
